//! Shopee (shopee.vn): a seller API (`api::shopee`), so listings are pushed through the
//! outbox. Rules follow Shopee's add_item limits; category ids are in
//! `assets/marketplaces/shopee.toml`.

use std::sync::LazyLock;

use super::Marketplace;
use super::pack::{Column, PackMarketplace, Rules, UrlPattern, Value};

static SHOPEE: LazyLock<PackMarketplace> = LazyLock::new(|| PackMarketplace {
    id: "shopee",
    name: "Shopee",
    settings: PackMarketplace::settings(include_str!("../../assets/marketplaces/shopee.toml")),
    rules: Rules {
        title_chars: (10, 120),
        description_chars: (20, 3_000),
        price_vnd: (1_000, 1_000_000_000),
        max_stock: 999_999,
        images: (1, 9),
        image_min_side: 500,
        max_weight_g: 30_000.0,
        max_side_cm: 150.0,
        image_max_side: 2_000,
        image_quality: 85,
    },
    url: UrlPattern {
        hosts: &["shopee.vn"],
        prefix: "/",
        id_prefix: "i.",
        suffix: "",
        example: "https://shopee.vn/mat-ong-hoa-ca-phe-i.123456.789012",
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
    api: Some(&super::api::shopee::Shopee),
});

pub fn adapter() -> &'static dyn Marketplace {
    &*SHOPEE
}
