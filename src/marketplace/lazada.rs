//! Lazada (lazada.vn): a seller API (`api::lazada`), so listings are pushed through the
//! outbox; a pack can still be made for its bulk upload. Rules follow Lazada's product
//! creation limits; category ids are in `assets/marketplaces/lazada.toml`.

use std::sync::LazyLock;

use super::Marketplace;
use super::pack::{Column, PackMarketplace, Rules, UrlPattern, Value};

static LAZADA: LazyLock<PackMarketplace> = LazyLock::new(|| PackMarketplace {
    id: "lazada",
    name: "Lazada",
    settings: PackMarketplace::settings(include_str!("../../assets/marketplaces/lazada.toml")),
    rules: Rules {
        title_chars: (10, 255),
        description_chars: (30, 25_000),
        price_vnd: (1_000, 1_000_000_000),
        max_stock: 999_999,
        images: (1, 8),
        image_min_side: 330,
        max_weight_g: 50_000.0,
        max_side_cm: 200.0,
        image_max_side: 2_000,
        image_quality: 85,
    },
    url: UrlPattern {
        hosts: &["www.lazada.vn", "lazada.vn"],
        prefix: "/products/",
        id_prefix: "i",
        suffix: ".html",
        example: "https://www.lazada.vn/products/mat-ong-hoa-ca-phe-i123456.html",
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
    api: Some(&super::api::lazada::Lazada),
});

pub fn adapter() -> &'static dyn Marketplace {
    &*LAZADA
}
