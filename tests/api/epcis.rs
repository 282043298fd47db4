//! EPCIS 2.0 (issue 19): a batch's history as events with CBV terms and event hash IDs, read
//! through the REST bindings by the public and by members. The GS1 schema and GS1's own hash
//! implementation check the same documents from outside (`tests/contract/epcis.py`).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};
use crate::stamps::{all_stamps, run_of};

struct Lot {
    org: String,
    batch: String,
    run: String,
    serials: Vec<String>,
    spraying: String,
}

/// A lot of a product with a GTIN, grown in a registered area: its diary (planting, a
/// spraying with its pre-harvest interval, a harvest, a correction of the harvest), an OCOP
/// certificate, a run of 5 stamps and one stamp voided.
async fn lot(app: &TestApp) -> Lot {
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app
        .create_growing_area(&app.admin, &farm, "VN-66-650-24370-01-21")
        .await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    app.create_certification(&app.admin, &product, 4, "province", "2026-01-15")
        .await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "CF2026A", "growing_area_id": area, "quantity": 800, "unit": "kg"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let batch = b["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/batches/{batch}/events");
    let mut ids = vec![];
    for body in [
        json!({"kind": "planting", "occurred_at": "2026-01-02T07:00:00+07:00", "details": {"description": "Trồng 500 cây"}}),
        json!({"kind": "spraying", "occurred_at": "2026-02-10T06:30:00+07:00", "details": {"inputs": [
            {"product": "Anvil 5SC", "active_ingredient": "Hexaconazole", "dose": 1.5, "dose_unit": "ml/l", "phi_days": 7}]}}),
        json!({"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00", "details": {"quantity": 820, "unit": "kg"}}),
    ] {
        let (s, e) = app.post(&app.admin, &events, body).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    let (s, e) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00",
            "corrects": ids[2], "details": {"quantity": 800, "unit": "kg", "reason": "cân lại"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let run = run_of(app, &batch, 5).await;
    let serials: Vec<String> = all_stamps(app, &run)
        .await
        .iter()
        .map(|s| s["serial"].as_str().unwrap().to_owned())
        .collect();
    let (s, v) = app
        .post(
            &app.admin,
            &format!("/api/v1/stamp-runs/{run}/voids"),
            json!({"reason": "misprint", "serials": [serials[4]]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    Lot {
        org,
        batch,
        run,
        serials,
        spraying: ids[1].clone(),
    }
}

async fn document(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(res.headers()["gs1-epcis-version"], "2.0.0");
        assert_eq!(res.headers()["gs1-cbv-version"], "2.0.0");
        assert_eq!(res.headers()["content-type"], "application/ld+json");
    }
    (
        status,
        serde_json::from_str(&res.text().await.unwrap()).unwrap(),
    )
}

fn events(doc: &Value) -> Vec<Value> {
    let body = &doc["epcisBody"];
    body["eventList"]
        .as_array()
        .or_else(|| body["queryResults"]["resultsBody"]["eventList"].as_array())
        .unwrap()
        .clone()
}

fn steps(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let s = e["bizStep"].as_str().unwrap();
            s.rsplit_once("BizStep-").map_or(s, |(_, w)| w).to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_history_is_an_epcis_document_whose_event_ids_hash_each_event() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let (s, doc) = document(
        &app,
        Some(&app.admin),
        &format!("/epcis/documents/batches/{}", lot.batch),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    let list = events(&doc);
    assert_eq!(
        steps(&list),
        [
            "certifying",
            "planting",
            "spraying",
            "harvesting",
            "harvesting",
            "commissioning",
            "decommissioning"
        ]
    );
    // Every ID is the CBV 2.0 hash of its event, and no two are the same.
    let ns = ocop_trace::epcis::hash::Namespaces::of_context(&doc["@context"]);
    let mut seen = std::collections::BTreeSet::new();
    for e in &list {
        let id = ocop_trace::epcis::hash::event_hash_id(e, &ns).unwrap();
        assert_eq!(e["eventID"], json!(id), "{e}");
        assert!(seen.insert(id));
    }
    let lot_uri = "https://id.gs1.org/01/08934588012228/10/CF2026A";
    let spraying = &list[2];
    assert_eq!(spraying["quantityList"][0]["epcClass"], lot_uri);
    assert_eq!(spraying["ocop:inputs"][0]["ocop:preHarvestIntervalDays"], 7);
    assert!(
        spraying["bizLocation"]["id"]
            .as_str()
            .unwrap()
            .contains("/id/growing-area/")
    );
    assert_eq!(list[3]["quantityList"][0]["uom"], "KGM");
    // The corrected harvest says so, and names the event that corrects it.
    assert_eq!(
        list[3]["errorDeclaration"]["correctiveEventIDs"][0],
        list[4]["eventID"]
    );
    assert_eq!(list[4]["ocop:corrects"], list[3]["eventID"]);
    // The run commissions its 5 stamps by their Digital Link URIs; the void takes one back.
    let mut epcs: Vec<&str> = list[5]["epcList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    epcs.sort();
    let mut expected: Vec<String> = lot
        .serials
        .iter()
        .map(|s| format!("https://id.gs1.org/01/08934588012228/21/{s}"))
        .collect();
    expected.sort();
    assert_eq!(epcs, expected);
    assert_eq!(list[5]["action"], "ADD");
    assert_eq!(list[6]["action"], "DELETE");
    assert_eq!(list[6]["epcList"], json!([expected_uri(&lot.serials[4])]));
    assert!(
        list[0]["certificationInfo"]
            .as_str()
            .unwrap()
            .contains("/id/certificate/")
    );
    assert_eq!(list[0]["ocop:stars"], 4);
}

fn expected_uri(serial: &str) -> String {
    format!("https://id.gs1.org/01/08934588012228/21/{serial}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_reads_what_the_scan_page_shows_and_stamp_serials_only_with_a_token() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let path = format!("/epcis/documents/batches/{}", lot.batch);
    let (s, public) = document(&app, None, &path).await;
    assert_eq!(s, StatusCode::OK, "{public}");
    assert_eq!(
        steps(&events(&public)),
        [
            "certifying",
            "planting",
            "spraying",
            "harvesting",
            "harvesting"
        ]
    );
    // A member of another organization sees what the public sees.
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (_, theirs) = document(&app, Some(&stranger), &path).await;
    assert_eq!(events(&theirs), events(&public));
    let member = app.token_for(&lot.org, "inspector").await;
    let (_, mine) = document(&app, Some(&member), &path).await;
    assert_eq!(events(&mine).len(), 7);

    // A stamp's document: its lot's story, and with a token its own commissioning and void.
    let stamp = format!("/epcis/documents/stamps/{}", lot.serials[4]);
    let (s, anonymous) = document(&app, None, &stamp).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(events(&anonymous).len(), 5);
    let (_, own) = document(&app, Some(&member), &stamp).await;
    assert_eq!(
        steps(&events(&own))[5..],
        ["commissioning", "decommissioning"]
    );
    let (s, body) = document(&app, None, "/epcis/documents/stamps/NOSUCHSTAMP00").await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");

    // The events of a stamp by its URI (any domain): only with a token.
    let uri = app.url(&format!("/01/08934588012228/21/{}", lot.serials[4]));
    let by_epc = format!("/epcis/events?MATCH_anyEPC={}", urlencoding(&uri));
    let (_, none) = document(&app, None, &by_epc).await;
    assert!(events(&none).is_empty());
    let (_, two) = document(&app, Some(&member), &by_epc).await;
    assert_eq!(steps(&events(&two)), ["commissioning", "decommissioning"]);
    let (_, same) = document(
        &app,
        Some(&member),
        &format!(
            "/epcis/epcs/{}/events",
            urlencoding(&expected_uri(&lot.serials[4]))
        ),
    )
    .await;
    assert_eq!(events(&same), events(&two));
    // A run nobody else may read stays private to the organization's records.
    assert!(!lot.run.is_empty());
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_take_the_standard_parameters_and_pages_follow_the_link_header() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let class = urlencoding("https://id.gs1.org/01/08934588012228/10/CF2026A");

    // Steps by CBV word or by our URI; times with their offsets.
    let (_, voc) = document(&app, None, "/epcis/voc").await;
    let ours = format!(
        "{}BizStep-spraying",
        voc["@context"]["ocop"].as_str().unwrap()
    );
    let path = format!(
        "/epcis/events?EQ_bizStep={}&MATCH_epcClass={class}&GE_eventTime={}",
        urlencoding(&format!("harvesting|{ours}")),
        urlencoding("2026-02-10T06:30:00+07:00")
    );
    let (s, doc) = document(&app, None, &path).await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(doc["type"], "EPCISQueryDocument");
    assert_eq!(steps(&events(&doc)), ["spraying"]);
    let (_, doc) = document(
        &app,
        Some(&app.admin),
        &format!("/epcis/events?EQ_bizStep=commissioning|decommissioning&MATCH_epcClass={class}"),
    )
    .await;
    assert_eq!(events(&doc).len(), 2);

    // Pages of 2, each pointing to the next, until every event was read once.
    let mut url = app.url(&format!("/epcis/events?MATCH_epcClass={class}&perPage=2"));
    let mut all = vec![];
    let client = reqwest::Client::new();
    loop {
        let res = client
            .get(&url)
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let next = res.headers().get("link").map(|l| {
            let l = l.to_str().unwrap();
            assert!(l.ends_with("; rel=\"next\""), "{l}");
            l[1..l.find('>').unwrap()].to_owned()
        });
        let page: Value = res.json().await.unwrap();
        assert!(events(&page).len() <= 2);
        all.extend(events(&page));
        match next {
            // The link is under the public base URL; this server is that base's stand-in.
            Some(n) => url = app.url(&n[n.find("/epcis/").unwrap()..]),
            None => break,
        }
    }
    assert_eq!(
        all.len(),
        6,
        "the lot's 6 events; the certificate names the product"
    );

    // One event by its ID, percent-encoded in the path.
    let id = all[1]["eventID"].as_str().unwrap();
    let (s, one) = document(&app, None, &format!("/epcis/events/{}", urlencoding(id))).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["eventID"], id);
    assert!(one["@context"].is_array());
    let (s, body) = document(
        &app,
        None,
        "/epcis/events/ni%3A%2F%2F%2Fsha-256%3B00%3Fver%3DCBV2.0",
    )
    .await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");

    // Bad parameters are named, each of them.
    let (s, body) = app
        .get(&app.admin, "/epcis/events?GE_eventTime=yesterday&perPage=0")
        .await;
    assert_field_error(s, &body, "GE_eventTime", "invalid");
    assert_field_error(s, &body, "perPage", "invalid");
    let (s, body) = app.get(&app.admin, "/epcis/events?EQ_color=red").await;
    assert!(s.is_client_error(), "{body}");
    let _ = lot.spraying;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_vocabulary_is_served_with_words_in_vietnamese_and_english() {
    let app = TestApp::spawn().await;
    let (s, voc) = document(&app, None, "/epcis/voc").await;
    assert_eq!(s, StatusCode::OK);
    let graph = voc["@graph"].as_array().unwrap();
    let phi = graph
        .iter()
        .find(|t| {
            t["@id"]
                .as_str()
                .unwrap()
                .ends_with("/preHarvestIntervalDays")
        })
        .unwrap();
    assert_eq!(phi["rdfs:label"][0]["@language"], "vi");
    assert_eq!(phi["rdfs:label"][1]["@language"], "en");
}
