//! The traceability data set of Circular 02/2024/TT-BKHCN for one lot: the data elements the
//! circular lists (product and image, producer and address, each production stage with its
//! product and location trace codes and time, the product's trace code, shelf life, standards,
//! certificates), as JSON and as an .xlsx an official can read.
//!
//! Trace codes are the identification keys the registry already holds, the GS1 keys TCVN
//! 13274:2020 builds on where there are some: a lot's product trace code is its GS1 element
//! string `(01){GTIN}(10){lot}`, a growing stage's location trace code the official growing-area
//! code (mã số vùng trồng); where the registry has no such key, our stable URI of the record.
//! Pure: `services/dataset.rs` fills it from the registry.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

/// The regulation the data set answers.
pub const CIRCULAR: &str = "02/2024/TT-BKHCN";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DataSet {
    /// Always `02/2024/TT-BKHCN`.
    pub circular: &'static str,
    pub product: ProductElements,
    pub producer: ProducerElements,
    pub lot: LotElements,
    /// Each production and business stage, in the order it happened.
    pub stages: Vec<Stage>,
    pub certificates: Vec<CertificateElements>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductElements {
    pub name: String,
    pub name_en: Option<String>,
    /// The product's trace code (mã truy vết sản phẩm): `(01){GTIN}`, else the code entered
    /// for it, else its URI.
    pub trace_code: String,
    pub gtin: Option<String>,
    /// The first photo of the product, if any.
    pub image: Option<String>,
    /// Brand: the producer's name, as printed on OCOP labels.
    pub brand: String,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    /// Standards the product and its growing area follow (OCOP, VietGAP, organic…).
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProducerElements {
    pub name: String,
    pub kind: String,
    pub address: String,
    pub tax_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The producer's location trace code: the one entered (its GLN, or its own code), else
    /// its URI.
    pub location_trace_code: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LotElements {
    pub lot_code: String,
    /// The lot's product trace code: `(01){GTIN}(10){lot}` (also from an entered `(01)` code),
    /// else the lot's URI.
    pub trace_code: String,
    pub quantity: f64,
    pub unit: String,
    pub harvested_on: Option<chrono::NaiveDate>,
    pub produced_on: Option<chrono::NaiveDate>,
    pub expires_on: Option<chrono::NaiveDate>,
    pub status: String,
    /// Stamps issued for the lot (each its own serial, brand/serial of the circular).
    pub stamps_issued: i64,
    /// Where the lot was grown: the growing area's official code, its farm and address.
    pub growing_area_code: Option<String>,
    pub farm: Option<String>,
    pub farm_address: Option<String>,
    /// The location trace code entered for the farm (its GLN, say), if any.
    pub farm_trace_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stage {
    /// The diary kind (`planting`, `harvesting`, `packing`…).
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    /// When it happened, with Vietnam's offset.
    pub time: chrono::DateTime<chrono::FixedOffset>,
    pub product_trace_code: String,
    /// Where: the growing area's code for work in the field, else the producer's code.
    pub location_trace_code: String,
    pub description: Option<String>,
    /// Who recorded it, or the partner system that sent it.
    pub recorded_by: String,
    /// Set when a later entry corrects this one.
    pub corrected: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateElements {
    pub programme: String,
    pub stars: i16,
    pub level: String,
    pub decision_number: String,
    pub decision_date: chrono::NaiveDate,
    pub issuing_body: String,
    pub valid_until: chrono::NaiveDate,
    pub in_force: bool,
}

/// The GS1 element string of a GTIN and a lot, as printed under a barcode.
pub fn element_string(gtin: &str, lot: Option<&str>) -> String {
    match lot {
        Some(l) => format!("(01){gtin}(10){l}"),
        None => format!("(01){gtin}"),
    }
}

/// A sheet of the workbook: named, its headings in bold, its columns this wide.
fn sheet<'a>(
    book: &'a mut Workbook,
    name: &str,
    heads: &[&str],
    widths: &[u8],
) -> Result<&'a mut rust_xlsxwriter::Worksheet, XlsxError> {
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    for (c, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    Ok(sheet)
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl DataSet {
    /// The rows of the first sheet: (Vietnamese label, English label, value).
    fn general(&self) -> Vec<(&'static str, &'static str, String)> {
        let (p, o, l) = (&self.product, &self.producer, &self.lot);
        vec![
            ("Căn cứ", "Regulation", format!("Thông tư {CIRCULAR}")),
            ("Tên sản phẩm", "Product name", p.name.clone()),
            ("Tên tiếng Anh", "English name", opt(&p.name_en)),
            (
                "Mã truy vết sản phẩm",
                "Product trace code",
                p.trace_code.clone(),
            ),
            ("Mã GTIN", "GTIN", opt(&p.gtin)),
            ("Hình ảnh sản phẩm", "Product image", opt(&p.image)),
            ("Nhãn hiệu", "Brand", p.brand.clone()),
            ("Đơn vị", "Unit", p.unit.clone()),
            (
                "Khối lượng tịnh (g)",
                "Net weight (g)",
                opt(&p.net_weight_g),
            ),
            (
                "Thể tích thực (ml)",
                "Net volume (ml)",
                opt(&p.net_volume_ml),
            ),
            (
                "Hạn sử dụng (ngày)",
                "Shelf life (days)",
                opt(&p.shelf_life_days),
            ),
            (
                "Tiêu chuẩn áp dụng",
                "Standards applied",
                p.standards.join("; "),
            ),
            ("Cơ sở sản xuất", "Producer", o.name.clone()),
            ("Loại hình", "Kind", o.kind.clone()),
            ("Địa chỉ", "Address", o.address.clone()),
            ("Mã số thuế", "Tax code", opt(&o.tax_code)),
            ("Điện thoại", "Phone", opt(&o.phone)),
            ("Thư điện tử", "Email", opt(&o.email)),
            (
                "Mã truy vết địa điểm (cơ sở)",
                "Location trace code (producer)",
                o.location_trace_code.clone(),
            ),
            ("Số lô", "Lot", l.lot_code.clone()),
            (
                "Mã truy vết lô hàng",
                "Lot trace code",
                l.trace_code.clone(),
            ),
            ("Số lượng", "Quantity", format!("{} {}", l.quantity, l.unit)),
            ("Ngày thu hoạch", "Harvested on", opt(&l.harvested_on)),
            ("Ngày sản xuất", "Produced on", opt(&l.produced_on)),
            ("Hạn dùng", "Best before", opt(&l.expires_on)),
            ("Trạng thái", "Status", l.status.clone()),
            (
                "Số tem đã phát hành",
                "Stamps issued",
                l.stamps_issued.to_string(),
            ),
            (
                "Mã số vùng trồng",
                "Growing-area code",
                opt(&l.growing_area_code),
            ),
            ("Trang trại", "Farm", opt(&l.farm)),
            ("Địa chỉ trang trại", "Farm address", opt(&l.farm_address)),
            (
                "Mã truy vết địa điểm (trang trại)",
                "Location trace code (farm)",
                opt(&l.farm_trace_code),
            ),
        ]
    }

    /// The data set as an .xlsx workbook: the general elements, the stages and the
    /// certificates, each sheet with Vietnamese and English headings.
    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let wrap = Format::new().set_text_wrap();
        let yes_no = |b: bool, no: &'static str| if b { "có / yes" } else { no };

        let general = sheet(
            &mut book,
            "Thong tin chung",
            &["Thông tin", "Element", "Giá trị / Value"],
            &[32, 30, 60],
        )?;
        for (r, (vi, en, value)) in self.general().into_iter().enumerate() {
            let r = r as u32 + 1;
            general.write_string(r, 0, vi)?;
            general.write_string(r, 1, en)?;
            general.write_string_with_format(r, 2, &value, &wrap)?;
        }

        let stages = sheet(
            &mut book,
            "Cong doan",
            &[
                "Công đoạn",
                "Stage",
                "Thời gian / Time",
                "Mã truy vết sản phẩm / Product trace code",
                "Mã truy vết địa điểm / Location trace code",
                "Mô tả / Description",
                "Người ghi / Recorded by",
                "Đã đính chính / Corrected",
            ],
            &[18, 16, 22, 40, 40, 50, 28, 14],
        )?;
        for (r, s) in self.stages.iter().enumerate() {
            let r = r as u32 + 1;
            stages.write_string(r, 0, &s.name_vi)?;
            stages.write_string(r, 1, &s.name_en)?;
            stages.write_string(r, 2, s.time.format("%Y-%m-%d %H:%M %:z").to_string())?;
            stages.write_string(r, 3, &s.product_trace_code)?;
            stages.write_string(r, 4, &s.location_trace_code)?;
            stages.write_string_with_format(r, 5, opt(&s.description), &wrap)?;
            stages.write_string(r, 6, &s.recorded_by)?;
            stages.write_string(r, 7, yes_no(s.corrected, ""))?;
        }

        let certificates = sheet(
            &mut book,
            "Chung nhan",
            &[
                "Chương trình / Programme",
                "Sao / Stars",
                "Cấp / Level",
                "Số quyết định / Decision",
                "Ngày / Date",
                "Cơ quan ban hành / Issued by",
                "Hiệu lực đến / Valid until",
                "Còn hiệu lực / In force",
            ],
            &[22, 10, 14, 24, 12, 36, 14, 14],
        )?;
        for (r, c) in self.certificates.iter().enumerate() {
            let r = r as u32 + 1;
            certificates.write_string(r, 0, &c.programme)?;
            certificates.write_number(r, 1, f64::from(c.stars))?;
            certificates.write_string(r, 2, &c.level)?;
            certificates.write_string(r, 3, &c.decision_number)?;
            certificates.write_string(r, 4, c.decision_date.to_string())?;
            certificates.write_string(r, 5, &c.issuing_body)?;
            certificates.write_string(r, 6, c.valid_until.to_string())?;
            certificates.write_string(r, 7, yes_no(c.in_force, "không / no"))?;
        }
        book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_element_strings_name_a_product_and_a_lot() {
        assert_eq!(element_string("08934588012228", None), "(01)08934588012228");
        assert_eq!(
            element_string("08934588012228", Some("CF2026A")),
            "(01)08934588012228(10)CF2026A"
        );
    }
}
