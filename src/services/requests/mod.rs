//! The requests every front end sends (the JSON API, the console's forms, the spreadsheet
//! import, the command line), each with the `parse` into its service's input: the rules of
//! what is valid live here once, below all of them.

pub mod events;
pub mod farms;
pub mod growing_areas;
pub mod organizations;
