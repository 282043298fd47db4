//! What every identifier's parse shares: the error it fails with, the GS1 check digit, and
//! the declaration of closed sets of values.

/// Why a value from outside was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// Stable machine-readable reason, e.g. `gtin_check_digit`.
    pub code: Reason,
    /// Human-readable explanation (English); clients translate by `code`.
    pub message: String,
}

impl ParseError {
    pub fn new(code: Reason, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Declares a closed set of values stored as snake_case strings, with `as_str`, `parse`,
/// `ALL`, serde and OpenAPI support.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::domain::ParseError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::ParseError::new(
                        $crate::domain::Reason::UnknownValue,
                        format!(
                            "`{other}` is not one of: {}",
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

// Why a field was refused: the one list of the machine-readable reasons a field problem
// carries (`FieldProblem::code` in the API, the import's flags, a marketplace's rules), so a
// front end that words them matches a variant, never a string a rename would silently miss.
string_enum! {
    /// The stable snake_case reason of a field problem; clients translate by it.
    Reason {
        AreaHaRange => "area_ha_range",
        BoundaryPosition => "boundary_position",
        BoundaryRing => "boundary_ring",
        CategoryUnmapped => "category_unmapped",
        CommuneCodeFormat => "commune_code_format",
        CommuneCodeNotCurrent => "commune_code_not_current",
        CoordinatesIncomplete => "coordinates_incomplete",
        CoordinatesOutsideVietnam => "coordinates_outside_vietnam",
        CorruptImage => "corrupt_image",
        CountRange => "count_range",
        DateBeforeOcop => "date_before_ocop",
        DateInFuture => "date_in_future",
        DateOrder => "date_order",
        DateRange => "date_range",
        DateTooEarly => "date_too_early",
        DefaultLink => "default_link",
        DigitalLinkCompressed => "digital_link_compressed",
        DigitalLinkEncoding => "digital_link_encoding",
        DigitalLinkOrder => "digital_link_order",
        DigitalLinkQualifier => "digital_link_qualifier",
        DigitalLinkStructure => "digital_link_structure",
        DigitalLinkValue => "digital_link_value",
        DoseRange => "dose_range",
        EmailFormat => "email_format",
        Empty => "empty",
        EmptyFile => "empty_file",
        GrowingAreaCodeCharacter => "growing_area_code_character",
        GrowingAreaCodeEmpty => "growing_area_code_empty",
        GrowingAreaCodeLength => "growing_area_code_length",
        GrowingAreaNotActive => "growing_area_not_active",
        Gs1PrefixFormat => "gs1_prefix_format",
        GtinCheckDigit => "gtin_check_digit",
        GtinLength => "gtin_length",
        GtinNotDigits => "gtin_not_digits",
        IdempotencyKeyFormat => "idempotency_key_format",
        IdempotencyKeyReused => "idempotency_key_reused",
        ImageCount => "image_count",
        ImageTooSmall => "image_too_small",
        InflatesTooFar => "inflates_too_far",
        InputsNotAllowed => "inputs_not_allowed",
        Invalid => "invalid",
        InvalidPhoto => "invalid_photo",
        InvalidStatusTransition => "invalid_status_transition",
        InvalidType => "invalid_type",
        InvalidValue => "invalid_value",
        LabelTooSmall => "label_too_small",
        LatitudeRange => "latitude_range",
        Length => "length",
        LiveUrlPattern => "live_url_pattern",
        LoginFormat => "login_format",
        LoginRequired => "login_required",
        LongitudeRange => "longitude_range",
        LotCodeCharacter => "lot_code_character",
        LotCodeEmpty => "lot_code_empty",
        LotCodeLength => "lot_code_length",
        MarketFormat => "market_format",
        MarketRequired => "market_required",
        MissingField => "missing_field",
        ModulePxRange => "module_px_range",
        NetAmountRange => "net_amount_range",
        NotFound => "not_found",
        NotInRun => "not_in_run",
        OcopLevelMismatch => "ocop_level_mismatch",
        OcopScoreBand => "ocop_score_band",
        OcopScoreRange => "ocop_score_range",
        OcopStarsRange => "ocop_stars_range",
        OrganizationRequired => "organization_required",
        OutOfRange => "out_of_range",
        OutsideTheLog => "outside_the_log",
        PackageRequired => "package_required",
        PasswordTooLong => "password_too_long",
        PasswordTooShort => "password_too_short",
        PhiDaysRange => "phi_days_range",
        PhoneFormat => "phone_format",
        PriceRange => "price_range",
        ProvinceCodeFormat => "province_code_format",
        QuantityRange => "quantity_range",
        RecallNeedsEvent => "recall_needs_event",
        RecallReasonRequired => "recall_reason_required",
        SchemaViolation => "schema_violation",
        SerialCharacter => "serial_character",
        SerialLength => "serial_length",
        SheetOverflow => "sheet_overflow",
        ShelfLifeRange => "shelf_life_range",
        SizeRange => "size_range",
        StockRange => "stock_range",
        TaxCodeBranch => "tax_code_branch",
        TaxCodeCheckDigit => "tax_code_check_digit",
        TaxCodeFormat => "tax_code_format",
        TaxCodePersonalIdNotAllowed => "tax_code_personal_id_not_allowed",
        TemplateInvalid => "template_invalid",
        TextControlCharacter => "text_control_character",
        TextEmpty => "text_empty",
        TextInvisibleCharacter => "text_invisible_character",
        TextMultiline => "text_multiline",
        TextTooLong => "text_too_long",
        TextTooShort => "text_too_short",
        TooMany => "too_many",
        TooManyCertificates => "too_many_certificates",
        TooManyInputs => "too_many_inputs",
        TooManyPhotos => "too_many_photos",
        TooManyPixels => "too_many_pixels",
        UnknownField => "unknown_field",
        UnknownMarketplace => "unknown_marketplace",
        UnknownPhoto => "unknown_photo",
        UnknownTemplate => "unknown_template",
        UnknownValue => "unknown_value",
        UnsupportedDpi => "unsupported_dpi",
        UrlFormat => "url_format",
        WeightRange => "weight_range",
        WrongPassword => "wrong_password",
    }
}

/// Check digit of the GS1 mod-10 scheme (weights 3,1,3,… from the right, excluding the check
/// digit itself) over ASCII digits.
pub(crate) fn gs1_check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_is_written_as_its_text() {
        for r in Reason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(Reason::parse(r.as_str()), Ok(*r));
        }
    }
}
