//! Every rule of every pack marketplace has a failing case; packs are read back.

use std::io::Read;

use calamine::{Reader, Xlsx};

use super::listing::ListingImage;
use super::*;
use crate::domain::Reason;

pub(crate) fn listing() -> Listing {
    Listing {
        sku: "MO-500".into(),
        title: "Mật ong hoa cà phê – OCOP 4 sao".into(),
        description: "Mật ong nguyên chất từ vườn cà phê Cư M'gar, Đắk Lắk. Truy xuất: https://trace.example.vn/p/1".into(),
        price_vnd: 180_000,
        stock: 40,
        unit: "hũ".into(),
        net_weight_g: Some(500.0),
        package: Some(Package {
            length_cm: 10.0,
            width_cm: 10.0,
            height_cm: 12.0,
            weight_g: 750.0,
        }),
        category: Some("Đặc sản".into()),
        gtin: Some("8934588012228".into()),
        trace_url: "https://trace.example.vn/p/1".into(),
        ocop_stars: Some(4),
        images: vec![ListingImage {
            sha256: "ab".repeat(32),
            width: 1200,
            height: 900,
        }],
    }
}

/// A change that breaks one rule.
type Breaks = fn(&mut Listing);

fn codes(m: &dyn Marketplace, l: &Listing) -> Vec<(String, Reason)> {
    m.check(l).into_iter().map(|p| (p.field, p.code)).collect()
}

#[test]
fn every_mapping_file_parses_and_maps_the_sellable_groups() {
    // A file that does not parse would leave its marketplace out of the registry.
    let ids: Vec<&str> = registry().map(|m| m.id()).collect();
    assert_eq!(ids, ["postmart", "voso", "lazada", "shopee", "tiki"]);
    for m in registry() {
        for group in ["food", "beverage", "herbal", "textile", "handicraft"] {
            assert!(m.category(group).is_some(), "{} {group}", m.id());
        }
        assert!(m.category("tourism").is_none(), "services are not goods");
        assert!(by_id(m.id()).is_some());
    }
    assert!(by_id("ebay").is_none());
}

#[test]
fn a_good_listing_passes_and_each_rule_has_a_failing_case() {
    for m in registry() {
        assert_eq!(codes(m, &listing()), vec![], "{}", m.id());
        let broken: Vec<(Breaks, &str, Reason)> = vec![
            (|l| l.title = "Mật ong".into(), "title", Reason::Length),
            (|l| l.title = "x".repeat(300), "title", Reason::Length),
            (
                |l| l.description = "ngắn".into(),
                "description",
                Reason::Length,
            ),
            (|l| l.price_vnd = 500, "price_vnd", Reason::PriceRange),
            (
                |l| l.price_vnd = 2_000_000_000,
                "price_vnd",
                Reason::PriceRange,
            ),
            (|l| l.stock = -1, "stock", Reason::StockRange),
            (|l| l.category = None, "category", Reason::CategoryUnmapped),
            (|l| l.images.clear(), "images", Reason::ImageCount),
            (
                |l| l.images = vec![l.images[0].clone(); 10],
                "images",
                Reason::ImageCount,
            ),
            (
                |l| l.images[0].width = 300,
                "images[0]",
                Reason::ImageTooSmall,
            ),
            (|l| l.package = None, "package", Reason::PackageRequired),
            (
                |l| l.package.as_mut().unwrap().weight_g = 60_000.0,
                "package.weight_g",
                Reason::WeightRange,
            ),
            (
                |l| l.package.as_mut().unwrap().height_cm = f64::NAN,
                "package.height_cm",
                Reason::SizeRange,
            ),
        ];
        for (breaks, field, code) in broken {
            let mut l = listing();
            breaks(&mut l);
            assert!(
                codes(m, &l).contains(&(field.to_owned(), code)),
                "{}: {field} {code}: {:?}",
                m.id(),
                codes(m, &l)
            );
        }
    }
}

#[test]
fn live_urls_must_be_product_pages_of_that_marketplace() {
    let postmart = by_id("postmart").unwrap();
    assert_eq!(
        postmart
            .live_url("http://www.postmart.vn/p/mat-ong-hoa-ca-phe-123456.html")
            .unwrap(),
        "https://postmart.vn/p/mat-ong-hoa-ca-phe-123456.html"
    );
    for bad in [
        "https://postmart.vn/p/mat-ong.html",
        "https://postmart.vn/mat-ong-123.html",
        "https://postmart.vn.evil.com/p/mat-ong-123.html",
        "https://shopee.vn/p/mat-ong-123.html",
        "javascript:alert(1)",
        "postmart.vn/p/mat-ong-123.html",
        "https://postmart.vn/p/Mật-ong-123.html",
    ] {
        let e = postmart.live_url(bad).unwrap_err();
        assert_eq!(e.code, Reason::LiveUrlPattern, "{bad}");
    }
    let voso = by_id("voso").unwrap();
    assert_eq!(
        voso.live_url("https://voso.vn/mat-ong-hoa-ca-phe-98765")
            .unwrap(),
        "https://voso.vn/mat-ong-hoa-ca-phe-98765"
    );
    assert!(voso.live_url("https://voso.vn/mat-ong").is_err());
    let lazada = by_id("lazada").unwrap();
    assert!(
        lazada
            .live_url("https://www.lazada.vn/products/mat-ong-i2345.html")
            .is_ok()
    );
    assert!(
        lazada
            .live_url("https://www.lazada.vn/products/mat-ong-2345.html")
            .is_err()
    );
    let shopee = by_id("shopee").unwrap();
    assert!(
        shopee
            .live_url("https://shopee.vn/mat-ong-i.123.456")
            .is_ok()
    );
    assert!(shopee.live_url("https://shopee.vn/mat-ong-i.123.").is_err());
    let tiki = by_id("tiki").unwrap();
    assert_eq!(
        tiki.live_url("https://tiki.vn/mat-ong-hoa-ca-phe-p123456.html")
            .unwrap(),
        "https://tiki.vn/mat-ong-hoa-ca-phe-p123456.html"
    );
    assert!(
        tiki.live_url("https://tiki.vn/mat-ong-123456.html")
            .is_err()
    );
    assert!(
        tiki.live_url("https://tiki.vn.evil.example/mat-ong-p1.html")
            .is_err()
    );
}

#[test]
fn a_pack_holds_the_spreadsheet_images_and_descriptions() {
    let photo = crate::media::samples::photo_jpeg(2400, 1800);
    for m in registry() {
        let pack = m
            .render(&[PackItem {
                listing: listing(),
                images: vec![PackImage {
                    bytes: photo.clone(),
                }],
            }])
            .unwrap();
        assert_eq!(pack.file_name, format!("{}-pack.zip", m.id()));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pack.zip)).unwrap();
        let mut read = |name: &str| {
            let mut f = zip
                .by_name(name)
                .unwrap_or_else(|_| panic!("{name} in the pack"));
            let mut v = Vec::new();
            f.read_to_end(&mut v).unwrap();
            v
        };
        let image = image::load_from_memory(&read("images/MO-500-1.jpg")).unwrap();
        assert!(
            image.width() <= 2_000 && image.width() >= 1_280,
            "{}",
            image.width()
        );
        assert_eq!(
            String::from_utf8(read("descriptions/MO-500.txt")).unwrap(),
            listing().description
        );
        assert!(
            String::from_utf8(read("HUONG-DAN.txt"))
                .unwrap()
                .contains(m.name())
        );
        let sheet = read(&format!("{}-listings.xlsx", m.id()));
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(sheet)).unwrap();
        let range = book.worksheet_range("Listings").unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), 2, "a header and one listing");
        let col = |header_part: &str| {
            let i = rows[0]
                .iter()
                .position(|h| h.to_lowercase().contains(header_part))
                .unwrap_or_else(|| panic!("{header_part} in {:?}", rows[0]));
            rows[1][i].clone()
        };
        assert_eq!(col("sku"), "MO-500");
        assert_eq!(col("tên sản phẩm"), "Mật ong hoa cà phê – OCOP 4 sao");
        assert_eq!(col("tồn kho"), "40");
        assert_eq!(col("(gtin)"), "8934588012228");
        assert_eq!(col("truy xuất"), "https://trace.example.vn/p/1");
        assert_eq!(col("ảnh"), "images/MO-500-1.jpg");
    }
}
