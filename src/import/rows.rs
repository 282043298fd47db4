//! Checking an imported sheet row by row with the API's own request parsers, flagging every
//! bad cell with a typed [`Flag`] (each front end says it in the user's language:
//! `web::console_view::import`), and writing the rows (all or none) when every one is good.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use crate::auth::Principal;
use crate::db::Db;
use crate::domain::batch::{EventDetails, EventKind, InputUse};
use crate::domain::growing_area::AreaScope;
use crate::error::{AppError, Code};
use crate::i18n::Lang;
use crate::import::{Kind, Layout, Sheet};
use crate::services::events::EventJob;
use crate::services::requests;
use crate::services::{batches, events, farms, growing_areas};

/// Rows ready to write.
pub enum Ready {
    Farms(Vec<farms::NewFarm>),
    Areas(Vec<(Uuid, growing_areas::NewGrowingArea)>),
    Diary(Vec<EventJob>),
}

/// Why a cell is flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// A required cell is empty.
    Required,
    /// Not a number (a comma is taken as the decimal point).
    NotANumber,
    /// Not a whole number of days.
    NotWholeDays,
    /// The organization has no farm of this name.
    NoFarm,
    /// Neither domestic nor export, in either language.
    Scope,
    /// The value is repeated on another line of the sheet.
    Repeated,
    /// The growing-area code is registered already.
    CodeTaken,
    /// No batch has this lot code.
    NoLot,
    /// Several products have a batch with this lot code.
    LotAmbiguous,
    /// Not a kind of diary event, by code or by name in either language.
    Kind,
    /// Not a date and time.
    When,
    /// The batch's status does not accept this kind of event.
    NotAccepted,
    /// Input columns are filled but the input itself is not named.
    InputMissing,
    /// The API's parser refused the value with this problem code.
    Invalid(crate::domain::Reason),
    /// The row was refused in a way no column names.
    Refused,
    /// The database refused the row when it was written (the batch changed since the check).
    Conflict(Code),
}

/// The flags of one row: column key → why.
pub type Flags = BTreeMap<&'static str, Flag>;

/// One row as read, with its flags.
pub struct CheckedRow {
    /// Line in the sheet (the header is line 1).
    pub line: usize,
    /// The row's cells in the order of its kind's columns.
    pub cells: Vec<String>,
    pub flags: Flags,
}

/// A checked sheet: every row with its flags, and the rows ready to write when none is flagged.
pub struct Checked {
    pub kind: Kind,
    pub rows: Vec<CheckedRow>,
    pub ready: Option<Ready>,
}

impl Checked {
    /// Rows with at least one flag.
    pub fn bad(&self) -> usize {
        self.rows.iter().filter(|r| !r.flags.is_empty()).count()
    }
}

/// What is wrong with a sheet as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The keys of required columns the sheet lacks.
    Missing(Vec<&'static str>),
    /// The sheet has a header but no data rows.
    NoRows,
}

/// Everything a row check needs besides the row.
struct Context<'a> {
    who: &'a Principal,
    /// Farm name (lower case) → id.
    farms: HashMap<String, Uuid>,
    /// Codes registered already.
    taken: HashSet<String>,
    /// Lot code → the organization's batches with it.
    lots: HashMap<String, Vec<entity::batch::Model>>,
    /// Values seen more than once in the sheet's key column (lower case).
    repeated: HashSet<String>,
}

/// The column key of a problem the API's request names.
fn column_of(kind: Kind, api_field: &str) -> Option<&'static str> {
    let path = crate::error::FieldPath::parse(api_field).within("details");
    // The sheet has one input per row: its columns are the first input's fields.
    let f = match path.in_list("inputs") {
        Some((_, None | Some("product"))) => "input",
        Some((_, Some(field))) => field,
        None => path.name()?,
    };
    kind.columns().iter().map(|c| c.key).find(|k| *k == f)
}

fn flag_problems(kind: Kind, flags: &mut Flags, e: AppError) {
    let first = kind.columns()[0].key;
    match e {
        AppError::Validation(problems) => {
            for p in problems.iter() {
                let column = column_of(kind, &p.field).unwrap_or(first);
                flags.entry(column).or_insert_with(|| Flag::Invalid(p.code));
            }
        }
        _ => {
            flags.insert(first, Flag::Refused);
        }
    }
}

/// An optional decimal typed in a cell; flagged when it is not a number.
fn number(flags: &mut Flags, column: &'static str, typed: &str) -> Option<f64> {
    crate::domain::text::decimal(typed).unwrap_or_else(|()| {
        flags.insert(column, Flag::NotANumber);
        None
    })
}

/// A commune code typed as a number loses its leading zeros: they are put back.
fn commune(typed: &str) -> Option<String> {
    let t = typed.trim();
    if t.is_empty() {
        None
    } else if t.len() < 5 && t.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("{t:0>5}"))
    } else {
        Some(t.to_owned())
    }
}

fn farm_row(layout: &Layout, row: &[String], flags: &mut Flags) -> Option<farms::NewFarm> {
    let c = |k| layout.cell(row, k);
    let latitude = number(flags, "latitude", c("latitude"));
    let longitude = number(flags, "longitude", c("longitude"));
    let request = requests::farms::CreateFarm {
        name: c("name").to_owned(),
        address: c("address").to_owned(),
        commune_code: commune(c("commune_code")),
        latitude,
        longitude,
    };
    match request.parse() {
        Ok(new) if flags.is_empty() => Some(new),
        Ok(_) => None,
        Err(e) => {
            flag_problems(Kind::Farms, flags, e);
            None
        }
    }
}

fn area_row(
    cx: &Context,
    layout: &Layout,
    row: &[String],
    flags: &mut Flags,
) -> Option<(Uuid, growing_areas::NewGrowingArea)> {
    let c = |k| layout.cell(row, k);
    let farm = cx.farms.get(&c("farm").to_lowercase()).copied();
    if farm.is_none() {
        flags.insert("farm", Flag::NoFarm);
    }
    let scope = match c("scope").to_lowercase().as_str() {
        "" | "domestic" | "nội địa" | "noi dia" => Some(AreaScope::Domestic),
        "export" | "xuất khẩu" | "xuat khau" => Some(AreaScope::Export),
        _ => None,
    };
    if scope.is_none() {
        flags.insert("scope", Flag::Scope);
    }
    let code = c("code").to_uppercase();
    if cx.repeated.contains(&code.to_lowercase()) {
        flags.insert("code", Flag::Repeated);
    } else if cx.taken.contains(&code) {
        flags.insert("code", Flag::CodeTaken);
    }
    let area_ha = number(flags, "area_ha", c("area_ha"));
    let optional = |s: &str| Some(s.trim().to_uppercase()).filter(|s| !s.is_empty());
    let request = requests::growing_areas::CreateGrowingArea {
        code,
        scope: scope.unwrap_or(AreaScope::Domestic),
        target_market: optional(c("target_market")),
        crop: c("crop").to_owned(),
        variety: None,
        area_ha,
        issuer: None,
        issued_on: None,
        valid_until: None,
        boundary: None,
        certificates: Vec::new(),
    };
    match request.parse() {
        Ok(new) => farm.filter(|_| flags.is_empty()).map(|f| (f, new)),
        Err(e) => {
            flag_problems(Kind::GrowingAreas, flags, e);
            None
        }
    }
}

/// A kind typed as its code (`spraying`) or its name in either language (`Phun thuốc`).
fn event_kind(typed: &str) -> Option<EventKind> {
    let typed = typed.trim().to_lowercase();
    EventKind::parse(&typed).ok().or_else(|| {
        EventKind::ALL.iter().copied().find(|k| {
            [Lang::Vi, Lang::En]
                .iter()
                .any(|l| l.event_kind(k.as_str()).to_lowercase() == typed)
        })
    })
}

fn diary_row(cx: &Context, layout: &Layout, row: &[String], flags: &mut Flags) -> Option<EventJob> {
    let c = |k| layout.cell(row, k);
    let batch = match cx.lots.get(c("lot_code")).map(Vec::as_slice) {
        Some([one]) => Some(one),
        Some([_, _, ..]) => {
            flags.insert("lot_code", Flag::LotAmbiguous);
            None
        }
        _ => {
            flags.insert("lot_code", Flag::NoLot);
            None
        }
    };
    let kind = event_kind(c("kind"));
    if kind.is_none() {
        flags.insert("kind", Flag::Kind);
    }
    let occurred_at = crate::domain::local_time::parse(c("occurred_at"));
    if occurred_at.is_none() {
        flags.insert("occurred_at", Flag::When);
    }
    if let (Some(batch), Some(kind)) = (batch, kind)
        && !crate::domain::batch::BatchStatus::from(batch.status).accepts(kind)
    {
        flags.insert("kind", Flag::NotAccepted);
    }
    let quantity = number(flags, "quantity", c("quantity"));
    let dose = number(flags, "dose", c("dose"));
    let phi_days = match c("phi_days") {
        "" => None,
        typed => {
            let p = typed.parse::<u32>().ok();
            if p.is_none() {
                flags.insert("phi_days", Flag::NotWholeDays);
            }
            p
        }
    };
    let optional = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let any_input = [
        "input",
        "active_ingredient",
        "dose",
        "dose_unit",
        "phi_days",
    ]
    .iter()
    .any(|k| !c(k).is_empty());
    if any_input && c("input").is_empty() {
        flags.insert("input", Flag::InputMissing);
    }
    let inputs = if any_input {
        vec![InputUse {
            product: c("input").to_owned(),
            active_ingredient: optional(c("active_ingredient")),
            dose,
            dose_unit: optional(c("dose_unit")),
            phi_days,
        }]
    } else {
        Vec::new()
    };
    let (Some(batch), Some(kind), Some(occurred_at)) = (batch, kind, occurred_at) else {
        return None;
    };
    let request = requests::events::AppendEvent {
        kind,
        occurred_at,
        details: EventDetails {
            description: optional(c("description")),
            inputs,
            quantity,
            unit: optional(c("unit")),
            location: optional(c("location")),
            reason: optional(c("reason")),
            photos: Vec::new(),
            captured: None,
        },
        corrects: None,
    };
    match request.parse() {
        Ok(new) if flags.is_empty() => Some(EventJob {
            who: cx.who.clone(),
            batch_id: batch.id,
            new,
            idempotency: None,
        }),
        Ok(_) => None,
        Err(e) => {
            flag_problems(Kind::Diary, flags, e);
            None
        }
    }
}

/// Values of the sheet's key column that appear on more than one row (lower case).
fn repeated(layout: &Layout, sheet: &Sheet, key: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut twice = HashSet::new();
    for (_, row) in &sheet.rows {
        let v = layout.cell(row, key).to_lowercase();
        if !v.is_empty() && !seen.insert(v.clone()) {
            twice.insert(v);
        }
    }
    twice
}

/// Where `kind`'s columns are in `sheet`, or what is wrong with it: the required columns it
/// lacks, or that it has no data rows.
pub fn layout_of(kind: Kind, sheet: &Sheet) -> Result<Layout, LayoutError> {
    let layout = Layout::of(kind, &sheet.headers)
        .map_err(|missing| LayoutError::Missing(missing.iter().map(|c| c.key).collect()))?;
    if sheet.rows.is_empty() {
        return Err(LayoutError::NoRows);
    }
    Ok(layout)
}

/// Checks every row of `sheet` for `org`; the rows ready to write when all of them are good.
pub async fn check(
    db: &Db,
    who: &Principal,
    org: Uuid,
    layout: &Layout,
    sheet: &Sheet,
) -> Result<Checked, AppError> {
    let kind = layout.kind();
    let mut cx = Context {
        who,
        farms: HashMap::new(),
        taken: HashSet::new(),
        lots: HashMap::new(),
        repeated: HashSet::new(),
    };
    match kind {
        Kind::Farms => {}
        Kind::GrowingAreas => {
            let farm_rows = farms::list(
                db,
                who,
                org,
                farms::FarmFilter { commune_code: None },
                crate::services::PageRequest {
                    limit: crate::services::MAX_PAGE,
                    after: None,
                },
            )
            .await?;
            cx.farms = farm_rows
                .items
                .into_iter()
                .map(|f| (f.name.trim().to_lowercase(), f.id))
                .collect();
            let codes: Vec<String> = sheet
                .rows
                .iter()
                .map(|(_, r)| layout.cell(r, "code").to_uppercase())
                .collect();
            cx.taken = growing_areas::taken_codes(db, &codes).await?;
            cx.repeated = repeated(layout, sheet, "code");
        }
        Kind::Diary => {
            let lots: Vec<String> = sheet
                .rows
                .iter()
                .map(|(_, r)| layout.cell(r, "lot_code").to_owned())
                .collect();
            for b in batches::find_by_lots(db, who, org, &lots).await? {
                cx.lots.entry(b.lot_code.clone()).or_default().push(b);
            }
        }
    }
    let mut ready_farms = Vec::new();
    let mut ready_areas = Vec::new();
    let mut ready_events = Vec::new();
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for (line, row) in &sheet.rows {
        let mut flags = Flags::new();
        for c in kind.columns().iter().filter(|c| c.required) {
            if layout.cell(row, c.key).is_empty() {
                flags.insert(c.key, Flag::Required);
            }
        }
        match kind {
            Kind::Farms => ready_farms.extend(farm_row(layout, row, &mut flags)),
            Kind::GrowingAreas => ready_areas.extend(area_row(&cx, layout, row, &mut flags)),
            Kind::Diary => ready_events.extend(diary_row(&cx, layout, row, &mut flags)),
        }
        rows.push(CheckedRow {
            line: *line,
            cells: kind
                .columns()
                .iter()
                .map(|c| layout.cell(row, c.key).to_owned())
                .collect(),
            flags,
        });
    }
    let all_good = !rows.is_empty() && rows.iter().all(|r| r.flags.is_empty());
    let ready = all_good.then_some(match kind {
        Kind::Farms => Ready::Farms(ready_farms),
        Kind::GrowingAreas => Ready::Areas(ready_areas),
        Kind::Diary => Ready::Diary(ready_events),
    });
    Ok(Checked { kind, rows, ready })
}

/// Writes the rows, all of them or none. A diary row the database refuses after all (the
/// batch changed since the check) comes back as the row's index and the problem.
pub async fn write(
    db: &Db,
    who: &Principal,
    org: Uuid,
    ready: Ready,
) -> Result<Result<usize, Option<(usize, AppError)>>, AppError> {
    let written = match ready {
        Ready::Farms(list) => farms::create_many(db, who, org, list)
            .await
            .map(|r| r.len()),
        Ready::Areas(list) => growing_areas::create_many(db, who, list)
            .await
            .map(|r| r.len()),
        Ready::Diary(jobs) => {
            return Ok(match events::append_all(db, &jobs).await? {
                Ok(recorded) => Ok(recorded.len()),
                Err(fault) => Err(Some(fault)),
            });
        }
    };
    match written {
        Ok(n) => Ok(Ok(n)),
        // Someone registered a code or changed a farm since the check.
        Err(AppError::Conflict { .. } | AppError::NotFound(_) | AppError::Validation(_)) => {
            Ok(Err(None))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_in_either_language() {
        assert_eq!(event_kind("Phun thuốc"), Some(EventKind::Spraying));
        assert_eq!(event_kind(" harvest "), Some(EventKind::Harvesting));
        assert_eq!(event_kind("fertilizing"), Some(EventKind::Fertilizing));
        assert_eq!(event_kind("tưới cây"), None);
    }

    #[test]
    fn problems_of_the_api_name_the_sheets_columns() {
        assert_eq!(
            column_of(Kind::Diary, "details.inputs[0].product"),
            Some("input")
        );
        assert_eq!(
            column_of(Kind::Diary, "details.inputs[0].phi_days"),
            Some("phi_days")
        );
        assert_eq!(column_of(Kind::Diary, "details.inputs"), Some("input"));
        assert_eq!(column_of(Kind::Diary, "details.reason"), Some("reason"));
        assert_eq!(column_of(Kind::Farms, "commune_code"), Some("commune_code"));
        assert_eq!(column_of(Kind::Farms, "nothing"), None);
        assert_eq!(commune("1234").as_deref(), Some("01234"));
        assert_eq!(commune("24370").as_deref(), Some("24370"));
        assert_eq!(commune(""), None);
    }
}
