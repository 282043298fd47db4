//! Postmart (postmart.vn), Vietnam Post's marketplace for farm and OCOP products. It publishes
//! no seller API: a listing pack for its bulk upload, and the live URL recorded afterwards.
//! Rules follow its seller centre's upload form; categories are in
//! `assets/marketplaces/postmart.toml`.

use std::sync::LazyLock;

use super::Marketplace;
use super::pack::{Column, PackMarketplace, Rules, UrlPattern, Value};

static POSTMART: LazyLock<PackMarketplace> = LazyLock::new(|| PackMarketplace {
    id: "postmart",
    name: "Postmart",
    settings: PackMarketplace::settings(include_str!("../../assets/marketplaces/postmart.toml")),
    rules: Rules {
        title_chars: (10, 120),
        description_chars: (50, 3_000),
        price_vnd: (1_000, 500_000_000),
        max_stock: 999_999,
        images: (1, 9),
        image_min_side: 500,
        // Vietnam Post's parcel limits.
        max_weight_g: 30_000.0,
        max_side_cm: 150.0,
        image_max_side: 2_000,
        image_quality: 85,
    },
    url: UrlPattern {
        hosts: &["postmart.vn", "www.postmart.vn"],
        prefix: "/p/",
        id_prefix: "",
        suffix: ".html",
        example: "https://postmart.vn/p/mat-ong-hoa-ca-phe-123456.html",
    },
    columns: &[
        Column {
            header: "Mã SKU",
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
            header: "Giá bán (VNĐ)",
            value: Value::PriceVnd,
        },
        Column {
            header: "Số lượng tồn kho",
            value: Value::Stock,
        },
        Column {
            header: "Đơn vị tính",
            value: Value::Unit,
        },
        Column {
            header: "Khối lượng (gram)",
            value: Value::WeightG,
        },
        Column {
            header: "Chiều dài (cm)",
            value: Value::LengthCm,
        },
        Column {
            header: "Chiều rộng (cm)",
            value: Value::WidthCm,
        },
        Column {
            header: "Chiều cao (cm)",
            value: Value::HeightCm,
        },
        Column {
            header: "Mã vạch (GTIN)",
            value: Value::Gtin,
        },
        Column {
            header: "Mô tả sản phẩm",
            value: Value::Description,
        },
        Column {
            header: "Hình ảnh",
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
    &*POSTMART
}
