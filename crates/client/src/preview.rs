//! Image previews for the UI, made safe before they reach the web view.
//!
//! Only PNG and JPEG, recognised by their first bytes (never by name), are previewed.
//! They are decoded here by memory-safe Rust decoders with limits (file size, pixel
//! count and decoder memory, checked from the header before any pixel is decoded),
//! scaled down, and re-encoded as a fresh PNG that the UI shows as a `data:` URL (the
//! app's content policy allows `data:` images and nothing remote). So the web view
//! never parses a file someone sent, and an SVG or an HTML file is never rendered:
//! they are not images here (and the server refuses them anyway).

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;

/// Largest file previewed, in bytes.
pub const MAX_PREVIEW_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// Most pixels of an image previewed (width × height, from its header).
pub const MAX_PREVIEW_PIXELS: u64 = 40_000_000;
/// Largest side of a preview the UI may ask for, in pixels.
pub const MAX_PREVIEW_SIDE: u32 = 1600;

/// The image formats previewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// Portable Network Graphics.
    Png,
    /// JPEG.
    Jpeg,
}

/// The previewable format of these first bytes, if any.
pub fn image_kind(head: &[u8]) -> Option<ImageKind> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else {
        None
    }
}

/// An image decoded to 8-bit RGBA.
struct Rgba {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

fn decode_png(bytes: &[u8]) -> Option<Rgba> {
    let limits = png::Limits {
        bytes: (MAX_PREVIEW_PIXELS * 4) as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().ok()?;
    let (w, h) = (reader.info().width, reader.info().height);
    if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_PREVIEW_PIXELS {
        return None;
    }
    let mut buf = vec![0; reader.output_buffer_size()?];
    let out = reader.next_frame(&mut buf).ok()?;
    if out.bit_depth != png::BitDepth::Eight {
        return None;
    }
    let channels = match out.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return None,
    };
    let (w, h) = (out.width as usize, out.height as usize);
    let mut pixels = Vec::with_capacity(w * h * 4);
    for row in buf.chunks(out.line_size).take(h) {
        for px in row.chunks_exact(channels).take(w) {
            let rgba = match channels {
                1 => [px[0], px[0], px[0], 255],
                2 => [px[0], px[0], px[0], px[1]],
                3 => [px[0], px[1], px[2], 255],
                _ => [px[0], px[1], px[2], px[3]],
            };
            pixels.extend_from_slice(&rgba);
        }
    }
    (pixels.len() == w * h * 4).then_some(Rgba {
        width: out.width,
        height: out.height,
        pixels,
    })
}

fn decode_jpeg(bytes: &[u8]) -> Option<Rgba> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let side = MAX_PREVIEW_PIXELS as usize;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGBA)
        .set_max_width(side.min(65_535))
        .set_max_height(side.min(65_535));
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(bytes, options);
    decoder.decode_headers().ok()?;
    let (w, h) = decoder.dimensions()?;
    if w == 0 || h == 0 || (w as u64) * (h as u64) > MAX_PREVIEW_PIXELS {
        return None;
    }
    let pixels = decoder.decode().ok()?;
    (pixels.len() == w * h * 4).then_some(Rgba {
        width: w as u32,
        height: h as u32,
        pixels,
    })
}

/// Scales down to fit in `max_side` × `max_side` (averaging each source box); an image
/// already small enough is kept as it is.
fn fit(img: Rgba, max_side: u32) -> Rgba {
    let max_side = max_side.clamp(1, MAX_PREVIEW_SIDE);
    if img.width <= max_side && img.height <= max_side {
        return img;
    }
    let scale = f64::from(max_side) / f64::from(img.width.max(img.height));
    let nw = ((f64::from(img.width) * scale).round() as u32).max(1);
    let nh = ((f64::from(img.height) * scale).round() as u32).max(1);
    let (sw, sh) = (img.width as usize, img.height as usize);
    let mut out = Vec::with_capacity(nw as usize * nh as usize * 4);
    for y in 0..nh as usize {
        let y0 = y * sh / nh as usize;
        let y1 = ((y + 1) * sh / nh as usize).max(y0 + 1);
        for x in 0..nw as usize {
            let x0 = x * sw / nw as usize;
            let x1 = ((x + 1) * sw / nw as usize).max(x0 + 1);
            let mut sum = [0u64; 4];
            for yy in y0..y1 {
                let row = &img.pixels[(yy * sw + x0) * 4..(yy * sw + x1) * 4];
                for px in row.chunks_exact(4) {
                    for c in 0..4 {
                        sum[c] += u64::from(px[c]);
                    }
                }
            }
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            out.extend(sum.iter().map(|s| (s / n) as u8));
        }
    }
    Rgba {
        width: nw,
        height: nh,
        pixels: out,
    }
}

fn encode_png(img: &Rgba) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width, img.height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().ok()?;
        writer.write_image_data(&img.pixels).ok()?;
        writer.finish().ok()?;
    }
    Some(out)
}

/// A preview of an image's bytes at most `max_side` pixels wide and high, as a
/// `data:image/png;base64,…` URL; none when the bytes are not a PNG or JPEG this
/// decodes within the limits.
pub fn thumbnail_of_bytes(bytes: &[u8], max_side: u32) -> Option<String> {
    if bytes.len() as u64 > MAX_PREVIEW_FILE_BYTES {
        return None;
    }
    let img = match image_kind(bytes)? {
        ImageKind::Png => decode_png(bytes)?,
        ImageKind::Jpeg => decode_jpeg(bytes)?,
    };
    let png = encode_png(&fit(img, max_side))?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// [`thumbnail_of_bytes`] of a file on disk (not read at all when it is too large
/// or does not start as a PNG or JPEG).
pub fn thumbnail_of_file(path: &Path, max_side: u32) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    if file.metadata().ok()?.len() > MAX_PREVIEW_FILE_BYTES {
        return None;
    }
    let mut head = [0u8; 8];
    file.read_exact(&mut head).ok()?;
    image_kind(&head)?;
    let bytes = std::fs::read(path).ok()?;
    thumbnail_of_bytes(&bytes, max_side)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let pixels: Vec<u8> = (0..width * height)
            .flat_map(|i| [(i % 256) as u8, 40, 200, 255])
            .collect();
        encode_png(&Rgba {
            width,
            height,
            pixels,
        })
        .unwrap()
    }

    fn decoded(url: &str) -> Rgba {
        let b64 = url
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        decode_png(&bytes).expect("a PNG this decodes")
    }

    #[test]
    fn a_large_screenshot_is_scaled_to_fit_and_re_encoded() {
        let url = thumbnail_of_bytes(&png_of(1280, 800), 320).unwrap();
        let img = decoded(&url);
        assert_eq!((img.width, img.height), (320, 200));
        let small = decoded(&thumbnail_of_bytes(&png_of(10, 6), 320).unwrap());
        assert_eq!(
            (small.width, small.height),
            (10, 6),
            "a small image keeps its size"
        );
    }

    #[test]
    fn anything_but_a_png_or_jpeg_within_limits_has_no_preview() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(thumbnail_of_bytes(svg, 100), None);
        assert_eq!(
            thumbnail_of_bytes(b"<html><body>hi</body></html>", 100),
            None
        );
        assert_eq!(thumbnail_of_bytes(b"GIF89a....", 100), None);
        // A PNG cut short, and one whose header claims more pixels than allowed.
        let png = png_of(64, 64);
        assert_eq!(thumbnail_of_bytes(&png[..png.len() / 2], 100), None);
        let mut huge = png.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(thumbnail_of_bytes(&huge, 100), None);
        assert_eq!(
            thumbnail_of_bytes(b"\xFF\xD8\xFFnot really a jpeg", 100),
            None
        );
    }
}
