//! Uploaded files, checked before anything is stored: images are decoded under byte and pixel
//! limits (a decompression bomb is refused before its pixels are allocated), turned upright
//! by their EXIF orientation, and re-encoded — which drops EXIF, GPS position and every other
//! piece of metadata a phone writes — with a thumbnail for slow connections. PDFs (certificate
//! scans) are only checked to be PDFs.
//!
//! Pure functions of bytes: no storage, no HTTP. They are CPU-heavy; callers run them on the
//! blocking pool.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// What an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// JPEG, PNG or WebP photos.
    Image,
    /// An image, or a PDF document.
    ImageOrPdf,
}

/// Limits on one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Largest file, in bytes.
    pub max_bytes: usize,
    /// Largest image, in pixels (width × height), checked from the header before decoding.
    pub max_pixels: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_bytes: 20 * 1024 * 1024,
            // 48 MP: a phone's full-resolution photo, not a bomb.
            max_pixels: 48_000_000,
        }
    }
}

/// Longest side of a thumbnail, in pixels: sharp on a phone, about 30 KB as JPEG.
pub const THUMBNAIL_SIDE: u32 = 480;
/// Longest side a stored image is reduced to: enough for any marketplace (they ask for
/// 500–2,000 px) and a fraction of a 12 MP original.
pub const MAX_STORED_SIDE: u32 = 2_560;
const JPEG_QUALITY: u8 = 85;
const THUMBNAIL_QUALITY: u8 = 78;

/// An upload that passed every check, ready to store.
#[derive(Debug)]
pub struct Clean {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Width and height of a stored image.
    pub dimensions: Option<(u32, u32)>,
    /// A JPEG thumbnail of an image.
    pub thumbnail: Option<Vec<u8>>,
}

/// Why an upload was refused; each maps to a precise client error.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Rejected {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; at most {limit} are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("the file is {found}; {expected} are accepted")]
    Unsupported {
        found: String,
        expected: &'static str,
    },
    #[error("the file was sent as {declared} but is {found}")]
    Mislabelled { declared: String, found: String },
    #[error("the image is {width}×{height} pixels; at most {limit} pixels are accepted")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image cannot be read: {0}")]
    Corrupt(String),
    /// A compressed part of the file (a PNG's colour profile) unpacks past its limit.
    #[error("the image's {part} unpacks to more than {limit} bytes")]
    Inflates { part: &'static str, limit: usize },
}

/// Most bytes a PNG's embedded colour profile (iCCP) may unpack to. Real profiles are a few
/// kilobytes, the largest printer profiles about 2 MB; the decoder would otherwise allow the
/// whole pixel budget (hundreds of MB) for it.
pub const MAX_ICC_PROFILE: usize = 4 << 20;

/// Walks a PNG's chunks before any decoder sees it and unpacks its colour profile with a
/// bound, so that a profile that inflates to gigabytes costs at most [`MAX_ICC_PROFILE`].
/// Text chunks (zTXt, iTXt) are kept compressed by the decoder and never unpacked here.
fn check_png_chunks(data: &[u8]) -> Result<(), Rejected> {
    let mut at = 8; // the signature
    while let Some(header) = data.get(at..at + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let body = data
            .get(at + 8..(at + 8).saturating_add(len))
            .unwrap_or_default();
        if kind == b"iCCP" {
            // Name (1-79 bytes), NUL, compression method, then a zlib stream.
            let Some(nul) = body.iter().position(|&b| b == 0) else {
                return Err(Rejected::Corrupt("the colour profile has no name".into()));
            };
            let stream = body.get(nul + 2..).unwrap_or_default();
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(stream, MAX_ICC_PROFILE)
                .map_err(|e| match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => Rejected::Inflates {
                        part: "colour profile (iCCP)",
                        limit: MAX_ICC_PROFILE,
                    },
                    _ => Rejected::Corrupt("the colour profile is damaged".into()),
                })?;
        }
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        at = at.saturating_add(12).saturating_add(len);
    }
    Ok(())
}

impl Accept {
    fn expected(self) -> &'static str {
        match self {
            Accept::Image => "JPEG, PNG and WebP images",
            Accept::ImageOrPdf => "PDF documents and JPEG, PNG and WebP images",
        }
    }
}

/// What the bytes are, from their first bytes (never from the name or declared type).
fn sniff(data: &[u8]) -> Option<(&'static str, Option<ImageFormat>)> {
    if data.starts_with(b"%PDF-") {
        return Some(("application/pdf", None));
    }
    match image::guess_format(data).ok()? {
        f @ ImageFormat::Jpeg => Some(("image/jpeg", Some(f))),
        f @ ImageFormat::Png => Some(("image/png", Some(f))),
        f @ ImageFormat::WebP => Some(("image/webp", Some(f))),
        other => Some((other.to_mime_type(), Some(other))),
    }
}

/// Checks and cleans one upload. `declared` is the content type the client sent, if any;
/// a declared type that contradicts the bytes is refused rather than trusted or ignored.
pub fn clean(
    data: &[u8],
    declared: Option<&str>,
    accept: Accept,
    limits: UploadLimits,
) -> Result<Clean, Rejected> {
    if data.is_empty() {
        return Err(Rejected::Empty);
    }
    if data.len() > limits.max_bytes {
        return Err(Rejected::TooLarge {
            size: data.len(),
            limit: limits.max_bytes,
        });
    }
    let (found, format) = sniff(data).ok_or_else(|| Rejected::Unsupported {
        found: "not an image or document this service reads".into(),
        expected: accept.expected(),
    })?;
    if let Some(declared) = declared.map(|d| d.split(';').next().unwrap_or(d).trim()) {
        let generic = matches!(declared, "" | "application/octet-stream");
        let same = declared.eq_ignore_ascii_case(found)
            || (found == "image/jpeg" && declared.eq_ignore_ascii_case("image/jpg"));
        if !generic && !same {
            return Err(Rejected::Mislabelled {
                declared: declared.chars().take(100).collect(),
                found: found.into(),
            });
        }
    }
    match (format, accept) {
        (None, Accept::ImageOrPdf) => Ok(Clean {
            content_type: "application/pdf",
            bytes: data.to_vec(),
            dimensions: None,
            thumbnail: None,
        }),
        (Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)), _) => {
            image(data, f, limits)
        }
        _ => Err(Rejected::Unsupported {
            found: found.into(),
            expected: accept.expected(),
        }),
    }
}

fn image(data: &[u8], format: ImageFormat, limits: UploadLimits) -> Result<Clean, Rejected> {
    let corrupt = |e: image::ImageError| Rejected::Corrupt(e.to_string());
    if format == ImageFormat::Png {
        check_png_chunks(data)?;
    }
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    let mut decoder_limits = Limits::default();
    // Room for the decoded pixels (RGBA, 16 bits at most) and the decoder's own buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8) + (64 << 20));
    // No side longer than the pixel budget allows for a one-pixel-wide image: decoders
    // check this on the header, before allocating anything.
    let side = u32::try_from(limits.max_pixels).unwrap_or(u32::MAX);
    decoder_limits.max_image_width = Some(side);
    decoder_limits.max_image_height = Some(side);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(Rejected::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(Rejected::Corrupt("the image has no pixels".into()));
    }
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    // Reduced first (area averaging: fast and sharp for downscaling), then turned upright,
    // so the rotation moves the smaller image.
    if img.width().max(img.height()) > MAX_STORED_SIDE {
        img = img.thumbnail(MAX_STORED_SIDE, MAX_STORED_SIDE);
    }
    img.apply_orientation(orientation);
    let has_alpha = img.color().has_alpha() && format != ImageFormat::Jpeg;
    let (content_type, bytes) = if has_alpha {
        // Logos and drawings with transparency stay PNG (lossless, no metadata written).
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(corrupt)?;
        ("image/png", out)
    } else {
        ("image/jpeg", jpeg(&img, JPEG_QUALITY)?)
    };
    // Never enlarged: a small image is its own thumbnail.
    let thumb = if img.width().max(img.height()) > THUMBNAIL_SIDE {
        img.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    } else {
        img.clone()
    };
    Ok(Clean {
        content_type,
        dimensions: Some((img.width(), img.height())),
        thumbnail: Some(jpeg(&thumb, THUMBNAIL_QUALITY)?),
        bytes,
    })
}

/// Baseline JPEG of `img` (alpha flattened onto white), with no metadata at all.
fn jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, Rejected> {
    let rgb = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
        for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
            let a = u16::from(px[3]);
            for c in 0..3 {
                out[c] = ((u16::from(px[c]) * a + 255 * (255 - a)) / 255) as u8;
            }
        }
        rgb
    } else {
        img.to_rgb8()
    };
    let mut out = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    Ok(out)
}

/// Test and benchmark inputs: a phone photo with EXIF and GPS, a PNG bomb.
#[doc(hidden)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod samples {
    use image::codecs::jpeg::JpegEncoder;
    use image::{Rgb, RgbImage};

    pub fn photo_jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    /// A photo like a phone's: smooth light with sensor noise, JPEG quality 92 (a 12 MP one
    /// is about 4 MB, as phones write them), with the EXIF block of [`phone_jpeg_with_gps`].
    pub fn phone_photo(w: u32, h: u32) -> Vec<u8> {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let img = RgbImage::from_fn(w, h, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed % 25) as i32 - 12;
            let base = |v: u32, span: u32| (v * 200 / span.max(1)) as i32 + 30;
            let c = |v: i32| (v + noise).clamp(0, 255) as u8;
            Rgb([c(base(x, w)), c(base(y, h)), c(base(x + y, w + h))])
        });
        let mut plain = Vec::new();
        JpegEncoder::new_with_quality(&mut plain, 92)
            .encode_image(&img)
            .unwrap();
        with_exif(plain)
    }

    /// A JPEG with an APP1 Exif segment carrying a GPS tag and orientation 6 (rotate 90°).
    pub fn phone_jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
        with_exif(photo_jpeg(w, h))
    }

    fn with_exif(plain: Vec<u8>) -> Vec<u8> {
        // TIFF header (little-endian), IFD0 with Orientation=6 and a GPSInfo pointer, then a
        // GPS IFD with GPSLatitudeRef = 'N'.
        let mut tiff: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&[0x01, 0x00, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    /// A valid greyscale PNG of `w × h` zero pixels, compressed row by row.
    pub fn png_bomb(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut writer = enc.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; w as usize];
        for _ in 0..h {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
        writer.finish().unwrap();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn a_phone_photo_is_turned_upright_and_loses_its_exif() {
        let data = phone_jpeg_with_gps(64, 32);
        assert!(data.windows(4).any(|w| w == b"Exif"));
        let clean = clean(
            &data,
            Some("image/jpeg"),
            Accept::Image,
            UploadLimits::default(),
        )
        .unwrap();
        assert_eq!(clean.content_type, "image/jpeg");
        // Orientation 6: the stored image is portrait.
        assert_eq!(clean.dimensions, Some((32, 64)));
        assert!(!clean.bytes.windows(4).any(|w| w == b"Exif"));
        let thumb = clean.thumbnail.unwrap();
        assert_eq!(
            image::load_from_memory(&thumb).unwrap().height(),
            64,
            "small images keep their size in the thumbnail"
        );
    }

    #[test]
    fn large_photos_are_reduced_and_thumbnailed() {
        let clean = clean(
            &photo_jpeg(4000, 3000),
            None,
            Accept::Image,
            UploadLimits::default(),
        )
        .unwrap();
        assert_eq!(clean.dimensions, Some((2560, 1920)));
        let thumb = image::load_from_memory(&clean.thumbnail.unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (480, 360));
    }

    #[test]
    fn transparent_pngs_stay_png() {
        let img = RgbaImage::from_pixel(10, 10, Rgba([200, 0, 0, 128]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let clean = clean(&png, Some("image/png"), Accept::Image, Default::default()).unwrap();
        assert_eq!(clean.content_type, "image/png");
    }

    #[test]
    fn bad_uploads_are_refused_precisely() {
        let limits = UploadLimits::default();
        assert_eq!(
            clean(b"", None, Accept::Image, limits).unwrap_err(),
            Rejected::Empty
        );
        let small = UploadLimits {
            max_bytes: 10,
            ..limits
        };
        assert!(matches!(
            clean(&[0u8; 11], None, Accept::Image, small),
            Err(Rejected::TooLarge {
                size: 11,
                limit: 10
            })
        ));
        assert!(matches!(
            clean(b"GIF89a\x01\x00\x01\x00", None, Accept::Image, limits),
            Err(Rejected::Unsupported { .. })
        ));
        assert!(matches!(
            clean(b"%PDF-1.7\n", None, Accept::Image, limits),
            Err(Rejected::Unsupported { .. })
        ));
        assert_eq!(
            clean(b"%PDF-1.7\n", None, Accept::ImageOrPdf, limits)
                .unwrap()
                .content_type,
            "application/pdf"
        );
        assert!(matches!(
            clean(&photo_jpeg(8, 8), Some("image/png"), Accept::Image, limits),
            Err(Rejected::Mislabelled { .. })
        ));
        let mut truncated = photo_jpeg(64, 64);
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(
            clean(&truncated, None, Accept::Image, limits),
            Err(Rejected::Corrupt(_))
        ));
    }

    #[test]
    fn a_png_bomb_is_refused_from_its_header() {
        // 8,000 × 8,000 pixels of one colour: a small file that would decode to 64 MP.
        let bomb = png_bomb(8_000, 8_000);
        assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
        assert!(matches!(
            clean(&bomb, None, Accept::Image, UploadLimits::default()),
            Err(Rejected::TooManyPixels {
                width: 8_000,
                height: 8_000,
                ..
            })
        ));
    }

    fn hostile(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
        std::fs::read(path.join(name)).unwrap()
    }

    #[test]
    fn a_colour_profile_that_inflates_to_256_mb_is_refused_before_decoding() {
        let r = clean(
            &hostile("png-iccp-bomb.png"),
            None,
            Accept::Image,
            UploadLimits::default(),
        );
        assert_eq!(
            r.unwrap_err(),
            Rejected::Inflates {
                part: "colour profile (iCCP)",
                limit: MAX_ICC_PROFILE
            }
        );
    }

    #[test]
    fn hostile_images_are_refused_with_their_reason() {
        let limits = UploadLimits::default();
        let text_bomb = clean(&hostile("png-ztxt-bomb.png"), None, Accept::Image, limits);
        // The text is never unpacked: the image itself is fine and is stored without it.
        assert_eq!(text_bomb.unwrap().content_type, "image/jpeg");
        assert!(matches!(
            clean(
                &hostile("png-huge-dimensions.png"),
                None,
                Accept::Image,
                limits
            ),
            Err(Rejected::TooManyPixels {
                width: 100_000,
                height: 100_000,
                ..
            })
        ));
        assert!(matches!(
            clean(&hostile("png-truncated.png"), None, Accept::Image, limits),
            Err(Rejected::Corrupt(_))
        ));
        assert!(matches!(
            clean(
                &hostile("mislabelled-xlsx.png"),
                Some("image/png"),
                Accept::Image,
                limits
            ),
            Err(Rejected::Unsupported { .. })
        ));
        assert!(matches!(
            clean(
                &hostile("mislabelled-text.jpg"),
                None,
                Accept::Image,
                limits
            ),
            Err(Rejected::Corrupt(_))
        ));
    }
}
