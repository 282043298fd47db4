//! Marketplace listings in the console through real HTTP: created with errors in place,
//! changed, pushed to a (fake) Lazada through the outbox, a failed push retried, a listing
//! pack downloaded; another organization touches none of it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::console::{Browser, csrf, member};
use crate::helpers::TestApp;
use crate::outbox::{app_with_lazada, fake_lazada, ready_listing, settled};

#[tokio::test]
async fn listings_are_created_changed_pushed_and_retried_in_the_console() {
    let (endpoint, _fake) = fake_lazada(vec![]).await;
    // A wrong app secret: Lazada refuses the push, which then waits for a retry.
    let app = app_with_lazada(&endpoint, "wrong-secret").await;
    let lazada = ready_listing(&app).await;
    let (_, l) = app
        .get(&app.admin, &format!("/api/v1/listings/{lazada}"))
        .await;
    let product = l["product_id"].as_str().unwrap().to_owned();
    let (_, p) = app
        .get(&app.admin, &format!("/api/v1/products/{product}"))
        .await;
    let org = p["organization_id"].as_str().unwrap().to_owned();
    let login = member(&app, &org, "0955555551", "owner").await;
    let mut b = Browser::new(&app);
    b.sign_in(&login, "mật khẩu an toàn").await;

    let page = b.get("/console/listings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Lazada") && page.body.contains("Sẵn sàng"),
        "{}",
        page.body
    );
    assert!(page.body.contains("180.000 đ"));
    let token = csrf(&page.body);
    let failed = pushed(&app, &mut b, &lazada, &token).await;
    assert_eq!(failed["status"], "failed");
    let page = b.get("/console/listings").await;
    assert!(page.body.contains("Gửi không được"), "{}", page.body);
    assert!(page.body.contains("IncompleteSignature"));
    let job = failed["id"].as_str().unwrap();
    assert!(page.body.contains(&format!("/console/pushes/{job}/retry")));
    let p = b
        .post(
            &format!("/console/pushes/{job}/retry"),
            &[("csrf", &token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(p.location.unwrap().contains("saved=queued"));
    assert_eq!(settled(&app, &lazada).await["status"], "failed");

    // A changed price is a new version, pushed as a new job: the page shows that one.
    let p = b
        .post(
            &format!("/console/listings/{lazada}"),
            &[("csrf", &token), ("price_vnd", "185.000")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let newer = pushed(&app, &mut b, &lazada, &token).await;
    let newer = newer["id"].as_str().unwrap();
    assert_ne!(newer, job);
    let page = b.get("/console/listings").await;
    assert!(
        page.body
            .contains(&format!("/console/pushes/{newer}/retry"))
    );
    assert!(!page.body.contains(&format!("/console/pushes/{job}/retry")));

    // A Postmart listing: mistakes in place, then saved as a draft that names what is missing.
    let form = |price: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("product_id", product.clone()),
            ("marketplace", "postmart".to_owned()),
            ("price_vnd", price.to_owned()),
            ("stock", "40".to_owned()),
        ]
    };
    let p = b
        .post(
            "/console/listings",
            &post(&form("một trăm nghìn")),
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Nhập giá là số đồng"));
    assert!(p.body.contains(r#"value="một trăm nghìn""#));
    let p = b
        .post(
            "/console/listings",
            &post(&form("95.000")),
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = b.get("/console/listings").await;
    assert!(page.body.contains("Chưa đủ thông tin"));
    assert!(page.body.contains("Cần khối lượng và kích thước kiện hàng"));
    let p = b
        .post("/console/listings", &post(&form("95000")), HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Sản phẩm này đã có tin đăng trên sàn này"));

    // A pack cannot be made while the listing is incomplete.
    let p = b
        .post(
            "/console/listing-packs",
            &[("csrf", &token), ("marketplace", "postmart")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Chưa tạo được gói"));

    let (_, all) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/listings?marketplace=postmart"),
        )
        .await;
    let postmart = all[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(all[0]["listing"]["price_vnd"], 95000, "{all}");
    let change = format!("/console/listings/{postmart}");
    let p = b
        .post(
            &change,
            &[("csrf", &token), ("live_url", "https://example.com/x")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body
            .contains("Đây không phải địa chỉ trang sản phẩm của sàn này")
    );
    let p = b
        .post(
            &change,
            &[("csrf", &token), ("price_vnd", "120.000"), ("stock", "12")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (_, l) = app
        .get(&app.admin, &format!("/api/v1/listings/{postmart}"))
        .await;
    assert_eq!(l["listing"]["price_vnd"], 120000, "{l}");
    assert_eq!(l["listing"]["stock"], 12);

    // With its parcel the listing is ready and the pack downloads.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{postmart}"),
            json!({"package": {"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let req = b
        .client()
        .post(b.url("/console/listing-packs"))
        .form(&[("csrf", token.as_str()), ("marketplace", "postmart")]);
    let res = b.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.starts_with("PK"), "a ZIP file");

    // Another organization changes nothing.
    let other = app.create_organization("HTX khác").await;
    let stranger = member(&app, &other, "0955555552", "owner").await;
    let mut s = Browser::new(&app);
    s.sign_in(&stranger, "mật khẩu an toàn").await;
    let page = s.get("/console/listings").await;
    assert!(
        !page.body.contains(&format!("listing-{lazada}")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("listing-{postmart}")));
    let theirs = csrf(&page.body);
    let p = s
        .post(
            &change,
            &[("csrf", &theirs), ("price_vnd", "1")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = s
        .post(
            &format!("/console/listings/{lazada}/push"),
            &[("csrf", &theirs)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let (_, l) = app
        .get(&app.admin, &format!("/api/v1/listings/{postmart}"))
        .await;
    assert_eq!(l["listing"]["price_vnd"], 120000);
}

/// Sends a listing to its marketplace from the console; the push once it has settled.
async fn pushed(
    app: &TestApp,
    b: &mut Browser<'_>,
    listing: &str,
    token: &str,
) -> serde_json::Value {
    let p = b
        .post(
            &format!("/console/listings/{listing}/push"),
            &[("csrf", token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    settled(app, listing).await
}

fn post<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A cooperative whose product went live on a marketplace makes that page what a scan of its
/// stamps opens, from the listings page, and stops it again.
#[tokio::test]
async fn a_live_listing_becomes_what_a_scan_opens_and_stops_again() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = crate::scan::world(&app, 1).await;
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let product = b["product_id"].as_str().unwrap().to_owned();
    let org = b["organization_id"].as_str().unwrap().to_owned();
    let (s, l) = app
        .post(&app.admin, &format!("/api/v1/products/{product}/listings"), json!({"marketplace": "postmart", "price_vnd": 180000, "stock": 40, "package": {"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let listing = l["id"].as_str().unwrap().to_owned();
    let live = "https://postmart.vn/p/ca-phe-robusta-ea-tul-5521.html";
    let (s, l) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"live_url": live}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{l}");

    let login = member(&app, &org, "0955555559", "owner").await;
    let mut b = Browser::new(&app);
    b.sign_in(&login, "mật khẩu an toàn").await;
    let page = b.get("/console/listings").await;
    assert!(
        page.body.contains("Mở trang này khi quét tem"),
        "{}",
        page.body
    );
    let token = csrf(&page.body);
    let action = format!("/console/listings/{listing}/default");
    let p = b
        .post(&action, &[("csrf", &token), ("on", "1")], HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = b.get("/console/listings?saved=default").await;
    assert!(page.body.contains("Đã đổi trang mở khi quét tem"));
    assert!(
        page.body
            .contains("Quét tem sản phẩm này sẽ mở trang bán này")
    );

    let stamp = crate::scan::path_of(&stamps[0]);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let scan = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let res = client
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            (res.status(), location)
        }
    };
    assert_eq!(
        scan(stamp.clone()).await,
        (StatusCode::TEMPORARY_REDIRECT, Some(live.to_owned()))
    );
    let p = b
        .post(&action, &[("csrf", &token), ("on", "0")], HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(scan(stamp).await, (StatusCode::OK, None));
    let (_, p) = app
        .get(&app.admin, &format!("/api/v1/products/{product}"))
        .await;
    assert_eq!(p["default_link"], serde_json::Value::Null);
}
