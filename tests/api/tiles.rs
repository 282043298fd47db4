//! The ledger served as a C2SP `tlog-tiles` log, read back through `tlog_tiles`' own tile
//! reader (which checks every tile against the signed root). CI also reads it with Go's
//! `golang.org/x/mod/sumdb/tlog` (tests/interop/tlog).

use ocop_trace::ledger::note;
use ocop_trace::ledger::tiles::{TileMap, TileRef, tiles_of};
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
        let leaf = ocop_trace::ledger::chain::leaf(payload.as_bytes());
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

    // Entries past the signed size are not served until a checkpoint covers them; the tiles
    // served before stay as they were.
    append(&app, 200).await;
    let edge = TileRef::hashes(0, 2, 90);
    assert_eq!(get_tile(&app, &edge).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get_tile(&app, &TileRef::hashes(0, 2, 256)).await.status(),
        StatusCode::NOT_FOUND
    );
    let (new_size, new_root) = signed(&app, 801).await;
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
    let res = app.client.get(app.url("/checkpoint")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "nothing signed yet");
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
        "/tile/",
    ] {
        let (s, b) = app.get(&app.admin, path).await;
        assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    }
}
