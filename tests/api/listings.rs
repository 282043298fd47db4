//! Marketplace listings through the API and the CLI: problems per marketplace rule, packs read
//! back, stale after a product change, live URLs checked and shown to shoppers.

use std::io::Read;

use calamine::{Reader, Xlsx};
use ocop_trace::media::samples::photo_jpeg;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_field_error, assert_problem};

/// A food product with a GTIN, a 4-star certificate in force and one photo; returns
/// (organization, product).
async fn product(app: &TestApp) -> (String, String) {
    let org = app.create_organization("HTX Mật ong Cư M'gar").await;
    let (s, p) = app
        .post(&app.admin, &format!("/api/v1/organizations/{org}/products"), json!({"name": "Mật ong hoa cà phê", "unit": "hũ", "gtin": "8934588012228", "net_weight_g": 500.0, "ocop_group": "food", "description": "Mật ong nguyên chất, thu hoạch mùa hoa cà phê."}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let product = p["id"].as_str().unwrap().to_owned();
    app.create_certification(&app.admin, &product, 4, "province", "2025-06-01")
        .await;
    let (s, _) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "a.jpg",
            "image/jpeg",
            photo_jpeg(1200, 900),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    (org, product)
}

fn unzip(zip: Vec<u8>) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap()
}

fn entry(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut v = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut v).unwrap();
    v
}

fn sheet_rows(xlsx: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range("Listings").unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooperative_lists_a_product_exports_a_pack_and_records_the_live_url() {
    let app = TestApp::spawn().await;
    let (org, product) = product(&app).await;
    let (s, l) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/listings"),
            json!({"marketplace": "postmart", "price_vnd": 180000, "stock": 40}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(l["status"], "draft");
    assert_eq!(l["problems"][0]["code"], "package_required", "{l}");
    assert_eq!(l["listing"]["title"], "Mật ong hoa cà phê – OCOP 4 sao");
    assert_eq!(l["listing"]["category"], "Đặc sản vùng miền > Đặc sản OCOP");
    let trace = format!("http://trace.test/p/{product}");
    assert_eq!(l["listing"]["trace_url"], trace);
    let id = l["id"].as_str().unwrap().to_owned();

    // Exporting a listing the marketplace would refuse names the problem.
    let packs = format!("/api/v1/organizations/{org}/listing-packs");
    let (s, b) = app
        .post(&app.admin, &packs, json!({"marketplace": "postmart"}))
        .await;
    assert_field_error(s, &b, "listings[0].package", "package_required");

    let (s, l) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{id}"),
            json!({"package": {"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["status"], "ready", "{l}");

    let (s, file) = app
        .post(&app.admin, &packs, json!({"marketplace": "postmart"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    assert_eq!(file["kind"], "listing_pack");
    let (s, ct, zip) = app
        .download(&app.admin, file["url"].as_str().unwrap())
        .await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "application/zip"));
    let mut zip = unzip(zip);
    let rows = sheet_rows(entry(&mut zip, "postmart-listings.xlsx"));
    assert_eq!(rows.len(), 2);
    let at = |h: &str| rows[1][rows[0].iter().position(|x| x == h).unwrap()].clone();
    assert_eq!(at("Tên sản phẩm"), "Mật ong hoa cà phê – OCOP 4 sao");
    assert_eq!(at("Giá bán (VNĐ)"), "180000");
    assert_eq!(at("Khối lượng (gram)"), "750");
    assert_eq!(at("Mã vạch (GTIN)"), "8934588012228");
    assert_eq!(at("Link truy xuất nguồn gốc"), trace);
    let images = at("Hình ảnh");
    assert!(
        image::load_from_memory(&entry(&mut zip, &images)).is_ok(),
        "{images}"
    );
    let description = String::from_utf8(entry(
        &mut zip,
        &format!("descriptions/{}.txt", at("Mã SKU")),
    ))
    .unwrap();
    assert!(
        description.contains("Giấy chứng nhận số 1234/QĐ-UBND"),
        "{description}"
    );

    let (_, l) = app.get(&app.admin, &format!("/api/v1/listings/{id}")).await;
    assert_eq!(l["status"], "exported");
    // A product change makes what the marketplace shows stale.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{product}"),
            json!({"name": "Mật ong hoa cà phê Cư M'gar"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, l) = app.get(&app.admin, &format!("/api/v1/listings/{id}")).await;
    assert_eq!(l["status"], "stale", "{l}");
    let (s, _) = app
        .post(
            &app.admin,
            &packs,
            json!({"marketplace": "postmart", "product_ids": [product]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // The live URL must be a Postmart product page.
    let listing = format!("/api/v1/listings/{id}");
    let (s, b) = app
        .patch(
            &app.admin,
            &listing,
            json!({"live_url": "https://shopee.vn/p/mat-ong-123.html"}),
        )
        .await;
    assert_field_error(s, &b, "live_url", "live_url_pattern");
    let live = "https://postmart.vn/p/mat-ong-hoa-ca-phe-123456.html";
    let (s, l) = app
        .patch(&app.admin, &listing, json!({"live_url": live}))
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["status"], "live");
    let (_, all) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/listings?marketplace=postmart"),
        )
        .await;
    assert_eq!(all[0]["live_url"], live);

    // Shoppers see where to buy it: on the product page the listing links to.
    let (s, page) = app.text(&format!("/p/{product}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!(r#"<a href="{live}""#)), "{page}");
    assert!(page.contains("Mua trên Postmart"));
    assert!(page.contains("★★★★"));
    let (s, _) = app.text("/p/not-a-product").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (code, out) = crate::ledger::verify(&app);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn listing_requests_are_checked() {
    let app = TestApp::spawn().await;
    let (org, product) = product(&app).await;
    let path = format!("/api/v1/products/{product}/listings");
    let (s, b) = app
        .post(
            &app.admin,
            &path,
            json!({"marketplace": "ebay", "price_vnd": 1000, "stock": 1}),
        )
        .await;
    assert_field_error(s, &b, "marketplace", "unknown_marketplace");
    let (s, b) = app
        .post(
            &app.admin,
            &path,
            json!({"marketplace": "voso", "price_vnd": -5, "stock": 1}),
        )
        .await;
    assert_field_error(s, &b, "price_vnd", "price_range");
    let packs = format!("/api/v1/organizations/{org}/listing-packs");
    let (s, b) = app
        .post(&app.admin, &packs, json!({"marketplace": "voso"}))
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "nothing_to_export");
    let (s, _) = app
        .post(
            &app.admin,
            &path,
            json!({"marketplace": "voso", "price_vnd": 50000, "stock": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, b) = app
        .post(
            &app.admin,
            &path,
            json!({"marketplace": "voso", "price_vnd": 50000, "stock": 1}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "listing_exists");
    let other = app.create_organization("HTX khác").await;
    let outsider = app.token_for(&other, "owner").await;
    let (s, _) = app
        .post(
            &outsider,
            &path,
            json!({"marketplace": "postmart", "price_vnd": 50000, "stock": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(&outsider, &format!("/api/v1/organizations/{org}/listings"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b) = app.get(&app.admin, "/api/v1/marketplaces").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = b
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["postmart", "voso", "lazada", "shopee", "tiki"], "{b}");
    assert_eq!(b[4]["kind"], "api");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_writes_a_pack() {
    let app = TestApp::spawn().await;
    let (_, product) = product(&app).await;
    let (s, _) = app
        .post(&app.admin, &format!("/api/v1/products/{product}/listings"), json!({"marketplace": "voso", "price_vnd": 180000, "stock": 5, "package": {"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let out = app.data_dir.path().join("voso.zip");
    let mut cmd = crate::cli::ocop_trace(&app);
    cmd.args([
        "export",
        "--marketplace",
        "voso",
        "--product",
        &product,
        "--out",
    ])
    .arg(&out);
    let res = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let mut zip = unzip(std::fs::read(&out).unwrap());
    let rows = sheet_rows(entry(&mut zip, "voso-listings.xlsx"));
    assert_eq!(
        rows[1][rows[0].iter().position(|h| h == "Giá (đ)").unwrap()],
        "180000"
    );

    let mut cmd = crate::cli::ocop_trace(&app);
    cmd.args(["export", "--marketplace", "amazon", "--product", &product]);
    let res = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(!res.status.success());
    assert!(String::from_utf8_lossy(&res.stderr).contains("unknown marketplace amazon"));
}

/// A Voso listing of `product`, not live yet; returns its id.
pub async fn voso_listing(app: &TestApp, product: &str) -> String {
    let (s, l) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/listings"),
            json!({"marketplace": "voso", "price_vnd": 95000, "stock": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    l["id"].as_str().unwrap().to_owned()
}

/// Records the marketplace page where `listing` went live.
pub async fn went_live(app: &TestApp, listing: &str, url: &str) {
    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"live_url": url}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn the_scan_page_links_to_live_listings_at_once() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = crate::scan::world(&app, 1).await;
    let path = crate::scan::path_of(&stamps[0]);
    let (_, html) = app.text(&path).await;
    assert!(!html.contains("id=\"buy\""));
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let product = b["product_id"].as_str().unwrap();
    let listing = voso_listing(&app, product).await;
    went_live(&app, &listing, "https://voso.vn/ca-phe-robusta-ea-tul-5521").await;
    let (_, html) = app.text(&path).await;
    assert!(
        html.contains(r#"<a href="https://voso.vn/ca-phe-robusta-ea-tul-5521" rel="noopener noreferrer">Mua trên Voso</a>"#),
        "{html}"
    );
}

#[tokio::test]
async fn an_organizations_listings_each_carry_their_own_products_facts() {
    let app = TestApp::spawn().await;
    let (org, honey) = product(&app).await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app
        .create_growing_area(&app.admin, &farm, "VN-66-650-24370-94-21")
        .await;
    let (s, b) = app
        .post(&app.admin, &format!("/api/v1/products/{honey}/batches"), json!({"lot_code": "MO2026A", "growing_area_id": area, "quantity": 800, "unit": "kg", "harvested_on": "2026-04-02"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let batch = b["id"].as_str().unwrap();
    // A second product of the same organization: no certificate, no photo.
    let (s, p) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/products"),
            json!({"name": "Cà phê bột Robusta", "unit": "gói", "ocop_group": "food"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let coffee = p["id"].as_str().unwrap();
    let package = json!({"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750});
    for (product, batch) in [(honey.as_str(), Some(batch)), (coffee, None)] {
        let (s, l) = app
            .post(&app.admin, &format!("/api/v1/products/{product}/listings"), json!({"marketplace": "voso", "batch_id": batch, "price_vnd": 90000, "stock": 10, "package": package}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
    }
    let (s, all) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/listings"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let of = |product: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"] == product)
            .unwrap()
            .clone()
    };
    let (h, c) = (of(&honey), of(coffee));
    assert_eq!(h["listing"]["title"], "Mật ong hoa cà phê – OCOP 4 sao");
    let text = h["listing"]["description"].as_str().unwrap();
    assert!(
        text.contains("VN-66-650-24370-94-21") && text.contains("MO2026A"),
        "{text}"
    );
    assert_eq!(h["listing"]["images"].as_array().unwrap().len(), 1);
    assert_eq!(h["status"], "ready", "{h}");
    assert_eq!(c["listing"]["title"], "Cà phê bột Robusta");
    let text = c["listing"]["description"].as_str().unwrap();
    assert!(
        !text.contains("OCOP 4") && !text.contains("MO2026A"),
        "{text}"
    );
    assert_eq!(c["status"], "draft");
    assert_eq!(c["problems"][0]["code"], "image_count", "{c}");
    // The same listing alone reads the same as in the list.
    let (_, one) = app
        .get(
            &app.admin,
            &format!("/api/v1/listings/{}", h["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(one, h);
}
