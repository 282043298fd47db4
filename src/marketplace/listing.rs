//! A listing: what one marketplace gets for one product, built from the registry's facts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The shipping box: marketplaces price delivery from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub length_cm: f64,
    pub width_cm: f64,
    pub height_cm: f64,
    /// Weight of the packed item, in grams.
    pub weight_g: f64,
}

/// The registry's facts a listing is built from.
#[derive(Debug, Clone)]
pub struct ListingFacts {
    pub product_name: String,
    pub product_description: Option<String>,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub gtin: Option<String>,
    pub producer: String,
    pub producer_address: String,
    /// Stars, decision number and last valid day of the certificate in force, if any.
    pub ocop: Option<(i16, String, NaiveDate)>,
    pub growing_area_code: Option<String>,
    pub lot: Option<String>,
    /// Where a shopper sees the product's traceability record.
    pub trace_url: String,
}

/// One product as one marketplace gets it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Listing {
    /// The seller's own code for the item (stable across exports).
    pub sku: String,
    pub title: String,
    pub description: String,
    pub price_vnd: i64,
    pub stock: i64,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub package: Option<Package>,
    /// The marketplace's category; `None` when the product's OCOP group has no mapping.
    pub category: Option<String>,
    pub gtin: Option<String>,
    pub trace_url: String,
    pub ocop_stars: Option<i16>,
    /// Images by blob key, with their size in pixels.
    pub images: Vec<ListingImage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListingImage {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
}

/// The title: the product name, with its OCOP rating when in force (shoppers search for it).
pub fn title(facts: &ListingFacts) -> String {
    match &facts.ocop {
        Some((stars, _, _)) => format!("{} – OCOP {stars} sao", facts.product_name),
        None => facts.product_name.clone(),
    }
}

/// The description: the producer's text, then the facts a shopper trusts, then the link.
pub fn describe(facts: &ListingFacts) -> String {
    let mut out = String::new();
    if let Some(d) = facts
        .product_description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    if let Some((stars, number, until)) = &facts.ocop {
        out.push_str(&format!(
            "⭐ Sản phẩm OCOP {stars} sao – Giấy chứng nhận số {number}, hiệu lực đến {}.\n",
            until.format("%d/%m/%Y")
        ));
    }
    out.push_str(&format!(
        "🏠 Nhà sản xuất: {} – {}.\n",
        facts.producer, facts.producer_address
    ));
    if let Some(code) = &facts.growing_area_code {
        out.push_str(&format!("🌱 Mã số vùng trồng: {code}.\n"));
    }
    if let Some(lot) = &facts.lot {
        out.push_str(&format!("📦 Lô sản xuất: {lot}.\n"));
    }
    match (facts.net_weight_g, facts.net_volume_ml) {
        (Some(g), _) => out.push_str(&format!("⚖️ Khối lượng tịnh: {g} g / {}.\n", facts.unit)),
        (None, Some(ml)) => out.push_str(&format!("⚖️ Thể tích thực: {ml} ml / {}.\n", facts.unit)),
        _ => {}
    }
    out.push_str(&format!(
        "🔎 Truy xuất nguồn gốc (quét tem QR trên sản phẩm hoặc xem tại): {}\n",
        facts.trace_url
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ListingFacts {
        ListingFacts {
            product_name: "Mật ong hoa cà phê".into(),
            product_description: Some("Mật ong nguyên chất.".into()),
            unit: "hũ".into(),
            net_weight_g: Some(500.0),
            net_volume_ml: None,
            gtin: None,
            producer: "HTX Cư M'gar".into(),
            producer_address: "Đắk Lắk".into(),
            ocop: Some((
                4,
                "1234/QĐ-UBND".into(),
                NaiveDate::from_ymd_opt(2028, 6, 1).unwrap(),
            )),
            growing_area_code: Some("VN-66-650-24370-94-21".into()),
            lot: None,
            trace_url: "https://trace.example.vn/p/x".into(),
        }
    }

    #[test]
    fn title_and_description_carry_the_ocop_facts_and_the_link() {
        assert_eq!(title(&facts()), "Mật ong hoa cà phê – OCOP 4 sao");
        let d = describe(&facts());
        assert!(d.starts_with("Mật ong nguyên chất.\n\n"), "{d}");
        assert!(
            d.contains("OCOP 4 sao – Giấy chứng nhận số 1234/QĐ-UBND, hiệu lực đến 01/06/2028")
        );
        assert!(d.contains("Mã số vùng trồng: VN-66-650-24370-94-21"));
        assert!(d.contains("https://trace.example.vn/p/x"));
        let mut none = facts();
        none.ocop = None;
        assert_eq!(title(&none), "Mật ong hoa cà phê");
        assert!(!describe(&none).contains("OCOP"));
    }
}
