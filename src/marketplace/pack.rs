//! Listing packs for marketplaces without a seller API, and the rules and settings such a
//! marketplace is described by: one [`PackMarketplace`] value per marketplace (Postmart,
//! Voso), read from `assets/marketplaces/<id>.toml`.
//!
//! A pack is one .zip: `<id>-listings.xlsx` (one row per listing, the columns the seller centre
//! asks for), `images/<sku>-<n>.jpg` resized to the marketplace's limits, `descriptions/<sku>.txt`
//! ready to paste, and `HUONG-DAN.txt` with the steps in Vietnamese and English.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use image::codecs::jpeg::JpegEncoder;
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

use super::Listing;
use super::market::{ExportPack, Marketplace, PackError, PackItem, Problem};
use crate::domain::ParseError;
use crate::domain::Reason;

/// What a marketplace's file (`assets/marketplaces/<id>.toml`) says about it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The marketplace's category for each OCOP group it sells.
    pub categories: BTreeMap<String, String>,
    pub rules: Rules,
    pub live_url: UrlPattern,
    /// The pack spreadsheet's columns, in the seller centre's words.
    pub columns: Vec<Column>,
}

/// Field rules of a seller centre.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub title_chars: (usize, usize),
    pub description_chars: (usize, usize),
    pub price_vnd: (i64, i64),
    pub max_stock: i64,
    pub images: (usize, usize),
    /// Smallest side an image may have, in pixels.
    pub image_min_side: u32,
    /// Heaviest parcel the marketplace's carrier takes, in grams.
    pub max_weight_g: f64,
    /// Longest side of the parcel, in centimetres.
    pub max_side_cm: f64,
    /// Images in the pack: longest side and JPEG quality.
    pub image_max_side: u32,
    pub image_quality: u8,
}

/// Where a live product page lives: `https://<host><prefix><slug>-<id_prefix><digits><suffix>`,
/// the digits in dot-separated groups where the marketplace writes shop and item ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlPattern {
    pub hosts: Vec<String>,
    pub prefix: String,
    #[serde(default)]
    pub id_prefix: String,
    #[serde(default)]
    pub suffix: String,
    pub example: String,
}

/// A marketplace described by its file, optionally with a seller-API client.
pub struct PackMarketplace {
    pub id: &'static str,
    pub name: &'static str,
    pub spec: Spec,
    /// The seller API's client, for marketplaces that have one.
    pub api: Option<&'static dyn super::api::ApiClient>,
}

/// A spreadsheet column: its header and what goes in it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub header: String,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    Sku,
    Title,
    Category,
    PriceVnd,
    Stock,
    Unit,
    WeightG,
    LengthCm,
    WidthCm,
    HeightCm,
    Gtin,
    Description,
    /// Image files, separated by `;`.
    Images,
    TraceUrl,
}

impl PackMarketplace {
    /// The marketplace `id` as its file describes it.
    pub fn load(
        id: &'static str,
        name: &'static str,
        file: &str,
        api: Option<&'static dyn super::api::ApiClient>,
    ) -> Result<Self, toml::de::Error> {
        Ok(Self {
            id,
            name,
            spec: toml::from_str(file)?,
            api,
        })
    }
}

fn chars_between(out: &mut Vec<Problem>, field: &str, text: &str, (min, max): (usize, usize)) {
    let n = text.chars().count();
    if n < min || n > max {
        out.push(Problem::new(
            field,
            Reason::Length,
            format!("{min} to {max} characters, not {n}"),
        ));
    }
}

impl Marketplace for PackMarketplace {
    fn id(&self) -> &'static str {
        self.id
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn category(&self, ocop_group: &str) -> Option<String> {
        self.spec.categories.get(ocop_group).cloned()
    }

    fn check(&self, l: &Listing) -> Vec<Problem> {
        let r = &self.spec.rules;
        let mut out = Vec::new();
        chars_between(&mut out, "title", &l.title, r.title_chars);
        chars_between(&mut out, "description", &l.description, r.description_chars);
        if !(r.price_vnd.0..=r.price_vnd.1).contains(&l.price_vnd) {
            out.push(Problem::new(
                "price_vnd",
                Reason::PriceRange,
                format!("{} to {} VND", r.price_vnd.0, r.price_vnd.1),
            ));
        }
        if !(0..=r.max_stock).contains(&l.stock) {
            out.push(Problem::new(
                "stock",
                Reason::StockRange,
                format!("0 to {}", r.max_stock),
            ));
        }
        if l.category.is_none() {
            out.push(Problem::new(
                "category",
                Reason::CategoryUnmapped,
                format!(
                    "the product's OCOP group has no {} category (assets/marketplaces/{}.toml)",
                    self.name, self.id
                ),
            ));
        }
        let n = l.images.len();
        if n < r.images.0 || n > r.images.1 {
            out.push(Problem::new(
                "images",
                Reason::ImageCount,
                format!("{} to {} images, not {n}", r.images.0, r.images.1),
            ));
        }
        for (i, img) in l.images.iter().enumerate() {
            if img.width.min(img.height) < r.image_min_side {
                out.push(Problem::new(
                    format!("images[{i}]"),
                    Reason::ImageTooSmall,
                    format!(
                        "at least {0}×{0} pixels, not {1}×{2}",
                        r.image_min_side, img.width, img.height
                    ),
                ));
            }
        }
        match &l.package {
            None => out.push(Problem::new(
                "package",
                Reason::PackageRequired,
                "the parcel's size and weight are needed to price delivery",
            )),
            Some(p) => {
                if !(p.weight_g.is_finite() && p.weight_g > 0.0 && p.weight_g <= r.max_weight_g) {
                    out.push(Problem::new(
                        "package.weight_g",
                        Reason::WeightRange,
                        format!("more than 0 and at most {} g", r.max_weight_g),
                    ));
                }
                for (field, v) in [
                    ("package.length_cm", p.length_cm),
                    ("package.width_cm", p.width_cm),
                    ("package.height_cm", p.height_cm),
                ] {
                    if !(v.is_finite() && v > 0.0 && v <= r.max_side_cm) {
                        out.push(Problem::new(
                            field,
                            Reason::SizeRange,
                            format!("more than 0 and at most {} cm", r.max_side_cm),
                        ));
                    }
                }
            }
        }
        out
    }

    fn render(&self, items: &[PackItem]) -> Result<ExportPack, PackError> {
        let write = |e: &dyn std::fmt::Display| PackError::Write(e.to_string());
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut image_names = Vec::with_capacity(items.len());
        for item in items {
            let mut names = Vec::new();
            for (i, img) in item.images.iter().enumerate() {
                let jpeg =
                    resize(&img.bytes, &self.spec.rules).map_err(|message| PackError::Image {
                        sku: item.listing.sku.clone(),
                        index: i,
                        message,
                    })?;
                let name = format!("images/{}-{}.jpg", item.listing.sku, i + 1);
                zip.start_file(name.as_str(), stored)
                    .map_err(|e| write(&e))?;
                zip.write_all(&jpeg).map_err(|e| write(&e))?;
                names.push(name);
            }
            zip.start_file(format!("descriptions/{}.txt", item.listing.sku), options)
                .map_err(|e| write(&e))?;
            zip.write_all(item.listing.description.as_bytes())
                .map_err(|e| write(&e))?;
            image_names.push(names);
        }
        let sheet = self
            .spreadsheet(items, &image_names)
            .map_err(|e| write(&e))?;
        zip.start_file(format!("{}-listings.xlsx", self.id), stored)
            .map_err(|e| write(&e))?;
        zip.write_all(&sheet).map_err(|e| write(&e))?;
        zip.start_file("HUONG-DAN.txt", options)
            .map_err(|e| write(&e))?;
        zip.write_all(self.instructions().as_bytes())
            .map_err(|e| write(&e))?;
        let zip = zip.finish().map_err(|e| write(&e))?.into_inner();
        Ok(ExportPack {
            file_name: format!("{}-pack.zip", self.id),
            zip,
        })
    }

    fn api(&self) -> Option<&'static dyn super::api::ApiClient> {
        self.api
    }

    fn live_url(&self, raw: &str) -> Result<String, ParseError> {
        let p = &self.spec.live_url;
        let bad = || {
            ParseError::new(
                Reason::LiveUrlPattern,
                format!(
                    "not a {} product page; it looks like {}",
                    self.name, p.example
                ),
            )
        };
        let url = url::Url::parse(raw.trim()).map_err(|_| bad())?;
        let host = url.host_str().unwrap_or_default();
        let canonical_host = p.hosts.first().ok_or_else(bad)?;
        if !matches!(url.scheme(), "https" | "http") || !p.hosts.iter().any(|h| h == host) {
            return Err(bad());
        }
        let rest = url
            .path()
            .strip_prefix(p.prefix.as_str())
            .and_then(|r| r.strip_suffix(p.suffix.as_str()))
            .ok_or_else(bad)?;
        let (slug, id) = rest.rsplit_once('-').ok_or_else(bad)?;
        let id = id.strip_prefix(p.id_prefix.as_str()).ok_or_else(bad)?;
        let slug_ok = !slug.is_empty()
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let id_ok = !id.is_empty()
            && id
                .split('.')
                .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
        if !slug_ok || !id_ok {
            return Err(bad());
        }
        Ok(format!(
            "https://{canonical_host}{}{rest}{}",
            p.prefix, p.suffix
        ))
    }
}

impl PackMarketplace {
    fn spreadsheet(
        &self,
        items: &[PackItem],
        images: &[Vec<String>],
    ) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Listings")?;
        let bold = Format::new().set_bold();
        for (c, col) in self.spec.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, &col.header, &bold)?;
            sheet.set_column_width(
                c,
                if col.value == Value::Description {
                    60
                } else {
                    18
                },
            )?;
        }
        for (r, item) in items.iter().enumerate() {
            let row = r as u32 + 1;
            let l = &item.listing;
            let pkg = l.package;
            for (c, col) in self.spec.columns.iter().enumerate() {
                let c = c as u16;
                let num = |v: Option<f64>| v.map(|v| (v * 100.0).round() / 100.0);
                let number = match col.value {
                    Value::PriceVnd => Some(l.price_vnd as f64),
                    Value::Stock => Some(l.stock as f64),
                    Value::WeightG => num(pkg.map(|p| p.weight_g)),
                    Value::LengthCm => num(pkg.map(|p| p.length_cm)),
                    Value::WidthCm => num(pkg.map(|p| p.width_cm)),
                    Value::HeightCm => num(pkg.map(|p| p.height_cm)),
                    _ => None,
                };
                if let Some(n) = number {
                    sheet.write_number(row, c, n)?;
                    continue;
                }
                let text = match col.value {
                    Value::Sku => l.sku.clone(),
                    Value::Title => l.title.clone(),
                    Value::Category => l.category.clone().unwrap_or_default(),
                    Value::Unit => l.unit.clone(),
                    Value::Gtin => l.gtin.clone().unwrap_or_default(),
                    Value::Description => l.description.clone(),
                    Value::Images => images[r].join(";"),
                    Value::TraceUrl => l.trace_url.clone(),
                    _ => String::new(),
                };
                sheet.write_string(row, c, &text)?;
            }
        }
        book.save_to_buffer()
    }

    fn instructions(&self) -> String {
        format!(
            "Gói đăng bán cho {name}\n\
             1. Mở trang người bán {name}, chọn đăng sản phẩm hàng loạt (tải lên tệp Excel).\n\
             2. Tải lên tệp {id}-listings.xlsx; ảnh nằm trong thư mục images/, tên ảnh ghi ở cột ảnh.\n\
             3. Mô tả từng sản phẩm có sẵn trong thư mục descriptions/ để dán nếu cần.\n\
             4. Khi sản phẩm đã lên sàn, ghi lại đường dẫn sản phẩm trong ocop-trace \
             (trang tem sẽ dẫn người mua tới đó).\n\n\
             Listing pack for {name}\n\
             1. Open the {name} seller centre and choose bulk upload (Excel file).\n\
             2. Upload {id}-listings.xlsx; the images are in images/, named in the image column.\n\
             3. Each description is in descriptions/, ready to paste.\n\
             4. Once a product is live, record its URL in ocop-trace (the scan page links to it).\n",
            name = self.name,
            id = self.id
        )
    }
}

/// The image as a JPEG whose longest side is at most the marketplace's.
fn resize(bytes: &[u8], rules: &Rules) -> Result<Vec<u8>, String> {
    let img = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let img = if img.width().max(img.height()) > rules.image_max_side {
        img.thumbnail(rules.image_max_side, rules.image_max_side)
    } else {
        img
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, rules.image_quality)
        .encode_image(&img.to_rgb8())
        .map_err(|e| e.to_string())?;
    Ok(out)
}
