//! QR throughput, side by side with libqrencode: `bench/qr_vs_libqrencode.sh` runs this and
//! `bench/qrencode_bench.c` over the same 10,000 stamp URIs and prints one table.
//!
//! Rows: the matrix with each encoder, and the service's path (`Matrix::encode`, which picks
//! `qrcodegen` for these stamp URIs) with its SVG and its 1-bit PNG at 4 px per module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use ocop_trace::stamps::qr::{Ecc, Encoder, Matrix};

const N: usize = 10_000;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The same URIs as bench/qrencode_bench.c.
fn uri(i: usize) -> String {
    let mut v = (i as u64).wrapping_mul(2_654_435_761);
    let mut serial = [0u8; 16];
    for k in (0..16).rev() {
        serial[k] = ALPHABET[(v & 31) as usize];
        v >>= 5;
    }
    format!(
        "https://TRACE.EXAMPLE.VN/01/08934588012228/10/MO2026A/21/{}",
        std::str::from_utf8(&serial).unwrap()
    )
}

fn row(what: &str, f: impl Fn(&str) -> usize, uris: &[String]) {
    let mut sink = 0;
    // One warm-up pass, then the measured one.
    for u in uris.iter().take(500) {
        sink += f(u);
    }
    let t0 = Instant::now();
    for u in uris {
        sink += f(u);
    }
    let dt = t0.elapsed().as_secs_f64();
    black_box(sink);
    println!(
        "| ocop-trace (Rust) | {what} | {:.0} | {:.1} |",
        uris.len() as f64 / dt,
        dt / uris.len() as f64 * 1e6
    );
}

fn main() {
    let uris: Vec<String> = (0..N).map(uri).collect();
    for (encoder, name) in [
        (Encoder::Stamp, "matrix, qrcodegen (two segments)"),
        (Encoder::Segmented, "matrix, qrcode"),
    ] {
        row(
            name,
            |u| Matrix::encode_with(encoder, u, Ecc::M).unwrap().width,
            &uris,
        );
    }
    row(
        "matrix + SVG (service path)",
        |u| Matrix::encode(u, Ecc::M).unwrap().to_svg().len(),
        &uris,
    );
    row(
        "matrix + 1-bit PNG, 4 px (service path)",
        |u| Matrix::encode(u, Ecc::M).unwrap().to_png(4).unwrap().len(),
        &uris,
    );
    let m = Matrix::encode(&uris[0], Ecc::M).unwrap();
    eprintln!("ocop-trace: {} modules wide", m.width);
}
