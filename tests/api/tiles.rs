//! The ledger served as a C2SP `tlog-tiles` log, read back through `tlog_tiles`' own tile
//! reader (which checks every tile against the signed root). CI also reads it with Go's
//! `golang.org/x/mod/sumdb/tlog` (tests/interop/tlog).

use ocop_trace::ledger::merkle::Frontier;
use ocop_trace::ledger::tiles::{TileMap, TileRef, tiles_of, unbundle};
use ocop_trace::ledger::{chain, note};
use ocop_trace::services::ledger as store;
use reqwest::StatusCode;
use tlog_tiles::TileHashReader;

use crate::helpers::{TestApp, assert_problem};
use crate::ledger::checkpoint_covering;

/// Appends `count` entries straight to the log, as registry writes would.
async fn append(app: &TestApp, count: usize) {
    let txn = app.state.db.write_txn().await.unwrap();
    for i in 0..count {
        let payload = format!("{{\"n\":{i}}}");
        let leaf = ocop_trace::ledger::public_form::leaf("test.appended", payload.as_bytes());
        store::append_prepared(
            &txn,
            "test.appended",
            "test",
            uuid::Uuid::now_v7(),
            None,
            payload,
            leaf,
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();
}

/// The signed checkpoint at `/checkpoint`, verified: (size, root).
async fn signed(app: &TestApp, size: u64) -> (u64, ocop_trace::ledger::Hash) {
    let text = checkpoint_covering(app, size).await;
    let res = app.client.get(app.url("/checkpoint")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/plain; charset=utf-8",
        "C2SP tlog-tiles: the checkpoint is text"
    );
    assert_eq!(res.headers()["cache-control"], "public, max-age=2");
    let body = res.text().await.unwrap();
    assert_eq!(body, text, "the same checkpoint as /api/v1/log/checkpoint");
    let (_, key) = app.text("/.well-known/ocop-trace/log-key").await;
    note::verify_checkpoint(body.as_bytes(), key.trim()).unwrap()
}

async fn fetch_raw(app: &TestApp, path: &str) -> Vec<u8> {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.bytes().await.unwrap().to_vec()
}

async fn get_tile(app: &TestApp, tile: &TileRef) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/{tile}")))
        .send()
        .await
        .unwrap()
}

/// Fetches every tile of the tree of `size` entries.
async fn fetch_tree(app: &TestApp, size: u64) -> TileMap {
    let mut map = TileMap::default();
    for tile in tiles_of(size) {
        let res = get_tile(app, &tile).await;
        assert_eq!(res.status(), StatusCode::OK, "{tile}");
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{tile}"
        );
        let data = res.bytes().await.unwrap().to_vec();
        assert_eq!(data.len(), tile.width as usize * 32, "{tile}");
        map.0.insert(tile.hash_tile(), data);
    }
    map
}

#[tokio::test]
async fn the_log_is_served_as_tiles_that_prove_every_entry_against_the_checkpoint() {
    let app = TestApp::spawn().await;
    app.create_organization("HTX Chè Tân Cương").await;
    append(&app, 600).await;
    let (size, root) = signed(&app, 601).await;
    assert_eq!(size, 601);

    // Two full level-0 tiles, a partial one of 601 − 512 = 89 hashes, a partial level-1 tile
    // of 2; the tile reader checks each against the signed root.
    let tiles = fetch_tree(&app, size).await;
    assert_eq!(tiles.0.len(), 4);
    let reader = TileHashReader::new(size, root, &tiles);
    assert_eq!(tlog_tiles::tree_hash(size, &reader).unwrap(), root);
    for index in [0, 1, 255, 256, 511, 512, 600] {
        let entry = store::entry(app.state.db.read(), index).await.unwrap();
        let leaf = ocop_trace::ledger::from_slice(&entry.leaf_hash).unwrap();
        let proof = tlog_tiles::prove_record(size, index, &reader).unwrap();
        tlog_tiles::check_record(&proof, size, root, index, leaf).unwrap();
    }

    // The entry bundles hold each entry's public form, which hashes to its leaf in the
    // level-0 tiles; no payload is in them.
    for tile in tiles_of(size).into_iter().filter(|t| t.level == Some(0)) {
        let bundle_ref = TileRef::entries(tile.n, tile.width);
        let res = get_tile(&app, &bundle_ref).await;
        assert_eq!(res.status(), StatusCode::OK, "{bundle_ref}");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let data = res.bytes().await.unwrap().to_vec();
        let entries = unbundle(&data).unwrap();
        assert_eq!(entries.len(), tile.width as usize);
        let leaves = &tiles.0[&tile.hash_tile()];
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(
                &chain::leaf(e).0[..],
                &leaves[i * 32..i * 32 + 32],
                "{bundle_ref} #{i}"
            );
            let form: serde_json::Value = serde_json::from_slice(e).unwrap();
            assert_eq!(form.as_object().unwrap().len(), 2, "{form}");
        }
        assert!(!String::from_utf8_lossy(&data).contains("Tân Cương"));
    }
    let first = unbundle(&fetch_raw(&app, "/tile/entries/000").await).unwrap()[0].to_vec();
    let (_, org) = app.get(&app.admin, "/api/v1/log/entries/0").await;
    assert_eq!(org["public_form"].as_str().unwrap().as_bytes(), &first[..]);

    // Tiles past the signed size are not served (nothing else is appended yet, so no
    // checkpoint can cover them); once the log grows and is signed, the tiles served before
    // stay as they were.
    for beyond in [TileRef::hashes(0, 2, 90), TileRef::hashes(0, 2, 256)] {
        assert_eq!(
            get_tile(&app, &beyond).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    append(&app, 200).await;
    let (new_size, new_root) = signed(&app, 801).await;
    assert_eq!(
        get_tile(&app, &TileRef::hashes(0, 3, 34)).await.status(),
        StatusCode::NOT_FOUND,
        "past the 801 entries there are"
    );
    assert_eq!(new_size, 801);
    let new_tiles = fetch_tree(&app, new_size).await;
    let old_edge = TileRef::hashes(0, 2, 89).hash_tile();
    let partial = get_tile(&app, &TileRef::hashes(0, 2, 89)).await;
    assert_eq!(
        partial.bytes().await.unwrap().to_vec(),
        tiles.0[&old_edge],
        "a partial tile of a signed size is still served, unchanged"
    );
    let full = &new_tiles.0[&TileRef::hashes(0, 2, 256).hash_tile()];
    assert_eq!(&full[..89 * 32], &tiles.0[&old_edge][..]);

    // The new tree extends the old one: a consistency proof from the new tiles.
    let reader = TileHashReader::new(new_size, new_root, &new_tiles);
    let proof = tlog_tiles::prove_tree(new_size, size, &reader).unwrap();
    tlog_tiles::check_tree(&proof, new_size, new_root, size, root).unwrap();
}

#[tokio::test]
async fn a_path_that_names_no_tile_of_the_signed_tree_is_not_found() {
    let app = TestApp::spawn().await;
    app.create_organization("HTX Nước mắm Phú Quốc").await;
    append(&app, 10).await;
    signed(&app, 11).await;
    assert_eq!(
        get_tile(&app, &TileRef::hashes(0, 0, 11)).await.status(),
        StatusCode::OK
    );
    for path in [
        "/tile/0/000.p/12",
        "/tile/0/000",
        "/tile/1/000.p/1",
        "/tile/0/001.p/1",
        "/tile/0/0",
        "/tile/0/000.p/011",
        "/tile/0/000.p/0",
        "/tile/0/000.p/256",
        "/tile/64/000",
        "/tile/0/x000/000.p/11",
        "/tile/0/x018/x446/x744/x073/x709/x551/616",
        "/tile/8/0/000.p/11",
        "/tile/data/000",
        "/tile/entries/000",
        "/tile/entries/000.p/12",
        "/tile/entries/x000/000.p/11",
        "/tile/",
    ] {
        let (s, b) = app.get(&app.admin, path).await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    }
}

/// A log begun before the public form (migration 29) keeps its earlier leaves: `verify` checks
/// each entry in its own form, the bundles holding earlier entries are not served (their leaves
/// hash payloads), and entries appended since are in the public form.
#[tokio::test]
async fn a_log_begun_before_the_public_form_keeps_its_leaves() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::spawn().await;
    for name in ["HTX Một", "HTX Hai", "HTX Ba"] {
        app.create_organization(name).await;
    }
    // Rewrite the three entries as an older version wrote them: leaves over the payload.
    let conn = app.db.read();
    let entries = entity::ledger_entry::Entity::find()
        .all(conn)
        .await
        .unwrap();
    let (mut frontier, mut chain_hash) = (Frontier::default(), chain::GENESIS);
    for e in entries {
        let leaf = chain::leaf(e.payload.as_bytes());
        chain_hash = chain::link(&chain_hash, &leaf);
        let stored: Vec<u8> = frontier.append(leaf).iter().flat_map(|h| h.0).collect();
        entity::ledger_entry::ActiveModel {
            idx: Set(e.idx),
            leaf_hash: Set(leaf.0.to_vec()),
            chain_hash: Set(chain_hash.0.to_vec()),
            stored_hashes: Set(stored),
            ..Default::default()
        }
        .update(conn)
        .await
        .unwrap();
    }
    entity::ledger_head::ActiveModel {
        id: Set(1),
        chain_hash: Set(chain_hash.0.to_vec()),
        frontier: Set(frontier.to_bytes()),
        public_from: Set(3),
        ..Default::default()
    }
    .update(conn)
    .await
    .unwrap();
    app.sql("DELETE FROM checkpoints", vec![]).await;

    app.create_organization("HTX Bốn").await;
    signed(&app, 4).await;
    let verified = ocop_trace::services::verify::verify(
        &app.state.db,
        app.state.log_key.verifier_key(),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(verified.map(|r| r.entries), Ok(4));

    let (_, old) = app.get(&app.admin, "/api/v1/log/entries/2").await;
    assert!(old["public_form"].is_null(), "{old}");
    let (_, new) = app.get(&app.admin, "/api/v1/log/entries/3").await;
    let form = new["public_form"].as_str().unwrap();
    assert_eq!(
        ocop_trace::ledger::hex(&chain::leaf(form.as_bytes())),
        new["leaf_hash"].as_str().unwrap()
    );
    assert_eq!(
        get_tile(&app, &TileRef::hashes(0, 0, 4)).await.status(),
        StatusCode::OK
    );
    let (s, b) = app.get(&app.admin, "/tile/entries/000.p/4").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}
