//! Voso (voso.vn), Viettel Post's marketplace. It publishes
//! no seller API: a listing pack for its bulk upload, and the live URL recorded afterwards.
//! Rules follow its seller centre's upload form; categories are in
//! `assets/marketplaces/voso.toml`.

use std::sync::LazyLock;

use super::Marketplace;
use super::pack::{Column, PackMarketplace, Rules, UrlPattern, Value};

static VOSO: LazyLock<PackMarketplace> = LazyLock::new(|| PackMarketplace {
    id: "voso",
    name: "Voso",
    settings: PackMarketplace::settings(include_str!("../../assets/marketplaces/voso.toml")),
    rules: Rules {
        title_chars: (10, 150),
        description_chars: (30, 5_000),
        price_vnd: (1_000, 1_000_000_000),
        max_stock: 999_999,
        images: (1, 8),
        image_min_side: 600,
        // Viettel Post's parcel limits.
        max_weight_g: 50_000.0,
        max_side_cm: 200.0,
        image_max_side: 1_280,
        image_quality: 85,
    },
    url: UrlPattern {
        hosts: &["voso.vn", "www.voso.vn"],
        prefix: "/",
        id_prefix: "",
        suffix: "",
        example: "https://voso.vn/mat-ong-hoa-ca-phe-123456",
    },
    columns: &[
        Column {
            header: "SKU",
            value: Value::Sku,
        },
        Column {
            header: "Tên sản phẩm",
            value: Value::Title,
        },
        Column {
            header: "Danh mục",
            value: Value::Category,
        },
        Column {
            header: "Giá (đ)",
            value: Value::PriceVnd,
        },
        Column {
            header: "Tồn kho",
            value: Value::Stock,
        },
        Column {
            header: "Đơn vị tính",
            value: Value::Unit,
        },
        Column {
            header: "Cân nặng (g)",
            value: Value::WeightG,
        },
        Column {
            header: "Dài (cm)",
            value: Value::LengthCm,
        },
        Column {
            header: "Rộng (cm)",
            value: Value::WidthCm,
        },
        Column {
            header: "Cao (cm)",
            value: Value::HeightCm,
        },
        Column {
            header: "Mã vạch (GTIN)",
            value: Value::Gtin,
        },
        Column {
            header: "Mô tả",
            value: Value::Description,
        },
        Column {
            header: "Ảnh sản phẩm",
            value: Value::Images,
        },
        Column {
            header: "Link truy xuất nguồn gốc",
            value: Value::TraceUrl,
        },
    ],
    api: None,
});

pub fn adapter() -> &'static dyn Marketplace {
    &*VOSO
}
