//! Pages people see (the scan page), as pure code: languages, and the views that templates in
//! `templates/` render. The resolver's HTTP side is `http/scan/`.

pub mod console_view;
pub mod gzip_pieces;
pub mod linkset;
pub mod product_view;
pub mod scan_frame;
pub mod scan_holes;
pub mod scan_json;
pub mod scan_layout;
pub mod scan_view;
