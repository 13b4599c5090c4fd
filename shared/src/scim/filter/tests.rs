//! Tests of the filter grammar and its matching (RFC 7644 3.4.2.2).
use super::*;
use serde_json::{Number, Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn jane() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00u1abc",
        "userName": "Jane+Test@X.com",
        "name": {"givenName": "Jane", "familyName": "Doe", "middleName": null},
        "displayName": "",
        "nickName": null,
        "title": "Senior \"Lead\" \\ Café",
        "emails": [
            {"value": "jane@x.com", "type": "work", "primary": true},
            {"value": "jane@home.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "groups": [{"display": null}],
        "active": true,
        "loginCount": 42,
        "score": 2.5,
        "urn:ietf:params:scim:schemas:extension:qualified:2.0:User": {"role": "rep"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-08-01T21:32:44Z"
        }
    })
}

fn id_is_case_exact(path: &AttrPath) -> bool {
    path.is("id")
}

fn check(filter: &str) -> bool {
    let parsed = parse(filter).unwrap_or_else(|e| panic!("{filter:?} did not parse: {e}"));
    parsed.matches(&jane(), &id_is_case_exact)
}

fn error(filter: &str) -> FilterError {
    match parse(filter) {
        Ok(parsed) => panic!("{filter:?} parsed as {parsed:?}"),
        Err(error) => error,
    }
}

fn path(attr: &str) -> AttrPath {
    AttrPath {
        schema: None,
        attr: attr.to_owned(),
        sub_attr: None,
    }
}

fn compare(attr: &str, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare {
        path: path(attr),
        op,
        value,
    }
}

fn num(n: i64) -> CompValue {
    CompValue::Num(n.into())
}

// --- parsing: structure ---

#[test]
fn a_comparison_parses_into_path_operator_and_value() {
    let expected = compare("userName", CompareOp::Eq, CompValue::Str("bjensen".into()));
    assert_eq!(parse(r#"userName eq "bjensen""#).unwrap(), expected);
}

#[test]
fn every_operator_keyword_parses() {
    for op in CompareOp::ALL {
        let filter = format!("loginCount {} 1", op.as_str());
        assert_eq!(parse(&filter).unwrap(), compare("loginCount", op, num(1)));
    }
}

#[test]
fn operators_and_keywords_are_case_insensitive() {
    let upper = parse(r#"NOT (userName EQ "x") AnD title Pr OR active eQ TRUE"#).unwrap();
    let lower = parse(r#"not (userName eq "x") and title pr or active eq true"#).unwrap();
    assert_eq!(upper, lower);
}

#[test]
fn and_binds_tighter_than_or() {
    let (a, b, c) = (
        compare("a", CompareOp::Eq, num(1)),
        compare("b", CompareOp::Eq, num(2)),
        compare("c", CompareOp::Eq, num(3)),
    );
    let expected = Filter::Or(Box::new(a), Box::new(Filter::And(Box::new(b), Box::new(c))));
    assert_eq!(parse("a eq 1 or b eq 2 and c eq 3").unwrap(), expected);
}

#[test]
fn parentheses_override_precedence() {
    let parsed = parse("(a eq 1 or b eq 2) and c eq 3").unwrap();
    assert!(matches!(&parsed, Filter::And(left, _) if matches!(**left, Filter::Or(..))));
}

#[test]
fn logical_operators_associate_to_the_left() {
    let parsed = parse("a pr and b pr and c pr").unwrap();
    assert!(matches!(&parsed, Filter::And(left, _) if matches!(**left, Filter::And(..))));
}

#[test]
fn not_wraps_its_parenthesized_filter() {
    let expected = Filter::Not(Box::new(Filter::Present(path("title"))));
    assert_eq!(parse("not (title pr)").unwrap(), expected);
    assert_eq!(parse("not(title pr)").unwrap(), expected);
}

#[test]
fn an_attribute_named_not_is_still_an_attribute() {
    assert_eq!(parse("not pr").unwrap(), Filter::Present(path("not")));
}

#[test]
fn extra_whitespace_is_tolerated() {
    let spaced = parse("  ( userName   eq\t\"x\" )  and\n active eq true  ").unwrap();
    assert_eq!(
        spaced,
        parse(r#"userName eq "x" and active eq true"#).unwrap()
    );
}

#[test]
fn string_escapes_are_decoded() {
    let parsed = parse(r#"title eq "a\"b\\c\u00e9\n""#).unwrap();
    assert_eq!(
        parsed,
        compare("title", CompareOp::Eq, CompValue::Str("a\"b\\cé\n".into()))
    );
}

#[test]
fn numbers_booleans_and_null_parse_as_json() {
    let value = |filter: &str| match parse(filter).unwrap() {
        Filter::Compare { value, .. } => value,
        other => panic!("not a comparison: {other:?}"),
    };
    assert_eq!(value("x eq -12"), num(-12));
    assert_eq!(
        value("x eq 2.5e1"),
        CompValue::Num(Number::from_f64(25.0).unwrap())
    );
    assert_eq!(value("x eq FALSE"), CompValue::Bool(false));
    assert_eq!(value("x eq null"), CompValue::Null);
}

#[test]
fn core_schema_urn_prefix_is_split_from_the_attribute() {
    let parsed =
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "J""#).unwrap();
    let Filter::Compare { path, .. } = parsed else {
        panic!("not a comparison")
    };
    assert_eq!(path.schema.as_deref(), Some(CORE_USER_SCHEMA));
    assert_eq!(
        (path.attr.as_str(), path.sub_attr.as_deref()),
        ("name", Some("givenName"))
    );
}

#[test]
fn ref_sub_attribute_is_a_valid_name() {
    let parsed = parse(r#"members.$ref pr"#).unwrap();
    let Filter::Present(path) = parsed else {
        panic!("not pr")
    };
    assert_eq!(path.sub_attr.as_deref(), Some("$ref"));
}

#[test]
fn value_path_holds_its_element_filter() {
    let parsed = parse(r#"emails[type eq "work" and value co "@x.com"]"#).unwrap();
    let Filter::ValuePath {
        path: p,
        filter,
        sub_attr,
    } = parsed
    else {
        panic!("not a value path")
    };
    assert_eq!((p, sub_attr), (path("emails"), None));
    assert!(matches!(*filter, Filter::And(..)));
}

#[test]
fn sub_attribute_comparison_after_value_path_folds_into_the_brackets() {
    let parsed = parse(r#"emails[type eq "work"].value eq "x""#).unwrap();
    let expected = parse(r#"emails[type eq "work" and value eq "x"]"#).unwrap();
    assert_eq!(parsed, expected);
}

#[test]
fn bare_sub_attribute_after_value_path_is_kept_as_sub_attr() {
    let parsed = parse(r#"emails[type eq "work"].value"#).unwrap();
    let Filter::ValuePath { sub_attr, .. } = parsed else {
        panic!("not a value path")
    };
    assert_eq!(sub_attr.as_deref(), Some("value"));
}

#[test]
fn display_reads_back_to_the_same_tree() {
    let filters = [
        r#"a eq 1 or b eq 2 and c eq 3"#,
        r#"(a eq 1 or b eq 2) and not (c ne "x\"y")"#,
        r#"a pr and (b pr and c pr)"#,
        r#"emails[type eq "work"].value ew ".com" or x.y le -2.5"#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:members[value eq "1"].display"#,
    ];
    for filter in filters {
        let parsed = parse(filter).unwrap();
        assert_eq!(parse(&parsed.to_string()).unwrap(), parsed, "{filter}");
    }
}

// --- matching: operators ---

#[test]
fn user_name_eq_is_case_insensitive() {
    assert!(check(r#"userName eq "jane+test@x.com""#));
    assert!(check(r#"USERNAME eq "JANE+TEST@X.COM""#));
    assert!(!check(r#"userName eq "jane@x.com""#));
}

#[test]
fn case_exact_attributes_compare_case_sensitively() {
    assert!(check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
    assert!(!check(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
}

#[test]
fn case_exact_callback_sees_the_qualified_path_inside_a_value_path() {
    let seen = std::cell::RefCell::new(Vec::new());
    let record = |p: &AttrPath| {
        seen.borrow_mut().push(p.to_string());
        false
    };
    let filter = parse(r#"emails[value eq "JANE@X.COM"]"#).unwrap();
    assert!(filter.matches(&jane(), &record));
    assert!(seen.borrow().iter().all(|p| p == "emails.value"));
}

#[test]
fn ne_is_the_negation_of_eq() {
    assert!(check(r#"userName ne "someone@else.com""#));
    assert!(!check(r#"userName ne "JANE+test@x.com""#));
}

#[test]
fn ne_on_an_absent_attribute_matches() {
    assert!(check(r#"nickName ne "x""#));
    assert!(check(r#"doesNotExist ne "x""#));
}

#[test]
fn ne_on_a_multi_valued_attribute_needs_every_value_to_differ() {
    assert!(!check(r#"emails.value ne "jane@home.org""#));
    assert!(check(r#"emails.value ne "other@x.com""#));
}

#[test]
fn co_sw_and_ew_work_on_strings() {
    assert!(check(r#"userName co "TEST@""#));
    assert!(check(r#"userName sw "jane+""#));
    assert!(check(r#"userName ew "@X.COM""#));
    assert!(!check(r#"userName co "nope""#));
    assert!(!check(r#"userName sw "test""#));
    assert!(!check(r#"userName ew "jane""#));
}

#[test]
fn ordering_operators_compare_strings_lexicographically() {
    assert!(check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
    assert!(check(r#"meta.lastModified ge "2011-08-01T21:32:44Z""#));
    assert!(check(r#"meta.created lt "2011-05-13T04:42:34Z""#));
    assert!(check(r#"meta.created le "2010-01-23T04:56:22Z""#));
    assert!(!check(r#"meta.lastModified lt "2011-05-13T04:42:34Z""#));
}

#[test]
fn ordering_operators_compare_numbers_numerically() {
    assert!(check("loginCount gt 9"));
    assert!(check("loginCount ge 42"));
    assert!(check("loginCount lt 100"));
    assert!(check("loginCount le 42.0"));
    assert!(check("score gt 2"));
    assert!(check("score eq 2.5"));
    assert!(!check("loginCount gt 42"));
}

#[test]
fn co_sw_and_ew_never_match_numbers() {
    assert!(!check("loginCount co 4"));
    assert!(!check("loginCount sw 4"));
    assert!(!check("loginCount ew 2"));
}

#[test]
fn booleans_support_only_equality() {
    assert!(check("active eq true"));
    assert!(!check("active eq false"));
    assert!(check("active ne false"));
    assert!(!check("active gt false"));
    assert!(!check("active le true"));
    assert!(!check("active co true"));
}

#[test]
fn type_mismatches_never_match() {
    assert!(!check(r#"active eq "true""#));
    assert!(!check(r#"loginCount eq "42""#));
    assert!(!check("externalId eq 1"));
}

#[test]
fn pr_needs_a_non_empty_value() {
    assert!(check("userName pr"));
    assert!(check("name pr"));
    assert!(check("emails pr"));
    assert!(!check("displayName pr"));
    assert!(!check("nickName pr"));
    assert!(!check("phoneNumbers pr"));
    assert!(!check("groups pr"));
    assert!(!check("name.middleName pr"));
    assert!(!check("doesNotExist pr"));
}

#[test]
fn eq_null_matches_absent_or_null_attributes() {
    assert!(check("nickName eq null"));
    assert!(check("doesNotExist eq null"));
    assert!(!check("userName eq null"));
    assert!(!check("name eq null"));
}

#[test]
fn ne_null_matches_present_attributes() {
    assert!(check("userName ne null"));
    assert!(!check("nickName ne null"));
}

#[test]
fn ordering_against_null_never_matches() {
    assert!(!check("loginCount gt null"));
    assert!(!check("userName co null"));
}

#[test]
fn escaped_quotes_in_strings_match_the_decoded_text() {
    assert!(check(r#"title eq "Senior \"Lead\" \\ Caf\u00e9""#));
    assert!(check(r#"title co "\"lead\"""#));
}

// --- matching: logic ---

#[test]
fn and_or_and_not_combine_results() {
    assert!(check(r#"active eq true and userName sw "jane""#));
    assert!(!check(r#"active eq false and userName sw "jane""#));
    assert!(check(r#"active eq false or userName sw "jane""#));
    assert!(check(r#"not (active eq false)"#));
    assert!(!check(r#"not (active eq true)"#));
}

#[test]
fn precedence_decides_the_result() {
    // `true or (false and false)` is true; `(true or false) and false` is false.
    assert!(check("loginCount eq 42 or active eq false and score eq 1"));
    assert!(!check(
        "(loginCount eq 42 or active eq false) and score eq 1"
    ));
}

#[test]
fn rfc_example_with_not_and_grouping_matches() {
    let filter = r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#;
    assert!(check(filter));
}

// --- matching: multi-valued attributes and value paths ---

#[test]
fn sub_attribute_of_a_multi_valued_attribute_matches_any_element() {
    assert!(check(r#"emails.value eq "jane@x.com""#));
    assert!(check(r#"emails.value eq "JANE@home.org""#));
    assert!(!check(r#"emails.value eq "x""#));
}

#[test]
fn complex_attribute_without_sub_attribute_compares_its_value() {
    assert!(check(r#"emails co "home.org""#));
}

#[test]
fn value_path_needs_one_element_to_satisfy_the_whole_filter() {
    assert!(check(r#"emails[type eq "work" and value co "@x.com"]"#));
    assert!(!check(r#"emails[type eq "work" and value co "home.org"]"#));
    assert!(check(r#"emails[type eq "home" or primary eq true]"#));
    assert!(check(r#"emails[not (type eq "work")]"#));
}

#[test]
fn sub_attribute_after_value_path_applies_to_the_same_element() {
    assert!(check(r#"emails[type eq "work"].value eq "jane@x.com""#));
    assert!(!check(r#"emails[type eq "work"].value eq "jane@home.org""#));
    assert!(check(r#"emails[type eq "home"].value pr"#));
}

#[test]
fn bare_value_path_sub_attribute_matches_when_present() {
    assert!(check(r#"emails[type eq "work"].primary"#));
    assert!(!check(r#"emails[type eq "home"].primary"#));
}

#[test]
fn value_path_on_a_missing_attribute_does_not_match() {
    assert!(!check(r#"addresses[type eq "work"]"#));
}

// --- matching: schema URNs ---

#[test]
fn core_schema_urn_prefix_resolves_at_the_top_level() {
    assert!(check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "jane+test@x.com""#
    ));
    assert!(check(
        r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName eq "jane""#
    ));
}

#[test]
fn extension_urn_prefix_resolves_into_the_extension_object() {
    assert!(check(
        r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "rep""#
    ));
    assert!(!check(
        r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "admin""#
    ));
    assert!(check(&format!(
        r#"{ENTERPRISE}:employeeNumber eq "701984""#
    )));
    assert!(check(&format!(
        r#"{ENTERPRISE}:manager.value sw "26118915""#
    )));
}

#[test]
fn extension_attributes_need_their_urn_prefix() {
    assert!(!check(r#"role eq "rep""#));
    assert!(!check(r#"urn:example:unknown:role eq "rep""#));
}

#[test]
fn attribute_names_in_the_resource_match_case_insensitively() {
    let resource = json!({"UserName": "a", "Name": {"GivenName": "b"}});
    let filter = parse(r#"username eq "a" and name.givenname eq "B""#).unwrap();
    assert!(filter.matches(&resource, &|_| false));
}

// --- Okta's filters ---

#[test]
fn okta_user_name_filter_with_plus_sign_matches() {
    assert!(check(r#"userName eq "jane+test@x.com""#));
}

#[test]
fn okta_external_id_filter_matches() {
    assert!(check(r#"externalId eq "00u1abc""#));
    assert!(!check(r#"externalId eq "00u1abd""#));
}

#[test]
fn okta_emails_value_filter_matches() {
    assert!(check(r#"emails.value eq "jane@x.com""#));
}

#[test]
fn okta_id_filter_matches() {
    assert!(check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
}

#[test]
fn okta_active_filter_matches() {
    assert!(check("active eq true"));
}

#[test]
fn okta_last_modified_filter_matches() {
    assert!(check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
}

// --- errors ---

#[test]
fn empty_input_is_an_error_at_zero() {
    for input in ["", "   ", "\t\n"] {
        let error = error(input);
        assert_eq!(
            (error.position, error.message.as_str()),
            (0, "filter is empty at 0")
        );
    }
}

#[test]
fn unterminated_string_points_at_its_opening_quote() {
    let error = error(r#"userName eq "jane"#);
    assert_eq!(error.position, 12);
    assert_eq!(error.message, "unterminated string starting at 12");
    assert_eq!(self::error(r#"userName eq "ja\"ne\""#).position, 12);
}

#[test]
fn unknown_operator_is_named_with_its_position() {
    let error = error(r#"userName foo "x""#);
    assert_eq!(error.position, 9);
    assert_eq!(
        error.message,
        "unknown comparison operator 'foo' after 'userName' at 9"
    );
}

#[test]
fn missing_operator_is_reported_after_the_path() {
    let error = error("userName");
    assert_eq!(error.position, 8);
    assert_eq!(
        error.message,
        "expected a comparison operator or 'pr' after 'userName' at 8"
    );
    assert_eq!(self::error(r#"userName "x""#).position, 9);
}

#[test]
fn missing_value_is_reported_after_the_operator() {
    let error = error("userName eq ");
    assert_eq!(error.position, 12);
    assert!(error.message.starts_with("expected a value"), "{error}");
    let unquoted = self::error("userName eq jane");
    assert_eq!(unquoted.position, 12);
    assert!(unquoted.message.contains("found 'jane'"), "{unquoted}");
}

#[test]
fn trailing_garbage_is_reported() {
    let error = error(r#"userName eq "x" extra"#);
    assert_eq!(error.position, 16);
    assert!(
        error
            .message
            .starts_with("unexpected 'extra' after a complete filter"),
        "{error}"
    );
    assert_eq!(self::error(r#"userName eq "x"y"#).position, 15);
}

#[test]
fn missing_closing_parenthesis_is_reported_at_the_end() {
    let error = error("(a pr and (b pr)");
    assert_eq!(error.position, 16);
    assert_eq!(
        error.message,
        "expected ')' to close the '(' at 0, found end of filter at 16"
    );
}

#[test]
fn extra_closing_parenthesis_is_reported() {
    let error = error("(a pr))");
    assert_eq!(error.position, 6);
    assert_eq!(error.message, "unexpected ')' without a matching '(' at 6");
}

#[test]
fn unbalanced_brackets_are_reported() {
    assert_eq!(error(r#"emails[type eq "work""#).position, 21);
    assert_eq!(error(r#"emails[type eq "work")"#).position, 21);
    assert_eq!(error(r#"emails eq "x"]"#).position, 13);
}

#[test]
fn dangling_logical_operator_is_reported() {
    let error = error("a pr and");
    assert_eq!(error.position, 8);
    assert!(error.message.contains("found end of filter"), "{error}");
    assert_eq!(self::error("a pr or ()").position, 9);
}

#[test]
fn not_without_parenthesis_is_reported() {
    let error = error(r#"not userName eq "x""#);
    assert_eq!(error.position, 4);
    assert_eq!(
        error.message,
        "expected '(' after 'not', found 'userName' at 4"
    );
}

#[test]
fn invalid_attribute_names_are_reported() {
    assert_eq!(error("1abc pr").position, 0);
    assert_eq!(error("a.b.c pr").position, 3);
    assert_eq!(error("foo:bar pr").position, 0);
    assert_eq!(error(r#"urn:x:y: pr"#).position, 8);
    assert_eq!(error(r#"eq "x""#).position, 3);
}

#[test]
fn invalid_numbers_and_escapes_are_reported() {
    assert_eq!(error("a eq 01").position, 5);
    assert_eq!(error("a eq -").position, 5);
    assert_eq!(error("a eq 1.").position, 5);
    let escape = error(r#"a eq "bad \q escape""#);
    assert!(
        escape.message.starts_with("invalid string literal"),
        "{escape}"
    );
    assert_eq!(escape.position, 11);
}

#[test]
fn nested_value_paths_are_rejected() {
    let error = error(r#"groups[members[value eq "x"]]"#);
    assert_eq!(error.position, 14);
    assert!(error.message.contains("cannot be nested"), "{error}");
}

#[test]
fn overlong_input_is_rejected() {
    let input = format!(r#"userName eq "{}""#, "x".repeat(MAX_FILTER_LEN));
    let error = error(&input);
    assert_eq!(error.position, MAX_FILTER_LEN);
    assert!(error.message.contains("4096-byte limit"), "{error}");
}

#[test]
fn nesting_deeper_than_the_limit_is_rejected() {
    let nested = |depth: usize| format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
    assert!(parse(&nested(MAX_DEPTH)).is_ok());
    let error = error(&nested(MAX_DEPTH + 1));
    assert_eq!(error.position, MAX_DEPTH);
    assert!(error.message.contains("deeper than 32"), "{error}");
    assert!(parse(&"not (".repeat(500)).is_err());
    assert!(parse(&"(".repeat(MAX_FILTER_LEN)).is_err());
}

#[test]
fn long_flat_chains_parse_and_match_without_overflow() {
    let chain = format!("{}userName pr", "userName pr and ".repeat(250));
    let filter = parse(&chain).unwrap();
    assert!(filter.matches(&jane(), &id_is_case_exact));
    let chain = format!("{}userName pr", "nickName pr or ".repeat(250));
    assert!(parse(&chain).unwrap().matches(&jane(), &id_is_case_exact));
}

#[test]
fn error_display_is_the_message() {
    let error = error("userName");
    assert_eq!(error.to_string(), error.message);
    let boxed: Box<dyn std::error::Error> = Box::new(error);
    assert!(boxed.to_string().ends_with("at 8"));
}

// --- keyed look-up helpers ---

#[test]
fn equality_on_returns_the_value_of_a_lone_string_equality() {
    assert_eq!(
        parse(r#"userName eq "x""#).unwrap().equality_on("userName"),
        Some("x")
    );
    assert_eq!(
        parse(r#"id eq "abc""#).unwrap().equality_on("id"),
        Some("abc")
    );
    assert_eq!(
        parse(r#"externalId eq "00u1""#)
            .unwrap()
            .equality_on("externalId"),
        Some("00u1")
    );
    assert_eq!(
        parse(r#"(userName eq "x")"#)
            .unwrap()
            .equality_on("userName"),
        Some("x")
    );
}

#[test]
fn equality_on_compares_names_case_insensitively_and_skips_the_core_urn() {
    assert_eq!(
        parse(r#"USERNAME EQ "x""#).unwrap().equality_on("userName"),
        Some("x")
    );
    let urn = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#).unwrap();
    assert_eq!(urn.equality_on("username"), Some("x"));
}

#[test]
fn equality_on_rejects_anything_but_exactly_attr_eq_string() {
    let none = |filter: &str| parse(filter).unwrap().equality_on("userName").is_none();
    assert!(none(r#"userName ne "x""#));
    assert!(none(r#"userName sw "x""#));
    assert!(none("userName eq 1"));
    assert!(none("userName eq null"));
    assert!(none(r#"userName eq "x" and active eq true"#));
    assert!(none(r#"userName eq "x" or userName eq "y""#));
    assert!(none(r#"not (userName eq "x")"#));
    assert!(none(r#"displayName eq "x""#));
    assert!(none(r#"userName.sub eq "x""#));
    assert!(none(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x""#
    ));
    assert!(none(r#"emails[userName eq "x"]"#));
}

#[test]
fn and_equalities_lists_the_eq_conjuncts() {
    let filter = parse(r#"userName eq "x" and (active eq true and title sw "a")"#).unwrap();
    let found = filter.and_equalities();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].0, found[0].1),
        (&path("userName"), &CompValue::Str("x".into()))
    );
    assert_eq!(found[1].1, &CompValue::Bool(true));
    assert!(
        parse(r#"a eq 1 or b eq 2"#)
            .unwrap()
            .and_equalities()
            .is_empty()
    );
}

#[test]
fn attr_path_is_compares_dotted_names() {
    let parsed = parse("urn:x:y:Name.GivenName pr").unwrap();
    let Filter::Present(p) = parsed else {
        panic!("not pr")
    };
    assert!(p.is("name.givenname"));
    assert!(!p.is("name"));
    assert!(!p.is("name.familyName"));
}

// --- robustness ---

/// A tiny deterministic LCG (Numerical Recipes constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VALID: [&str; 8] = [
    r#"userName eq "jane+test@x.com""#,
    r#"emails[type eq "work" and value co "@x.com"]"#,
    r#"emails[type eq "work"].value eq "x\"y\u00e9""#,
    r#"not (a eq 1 or b eq -2.5e3) and c pr"#,
    r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "rep""#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z" and active eq true"#,
    r#"((x ne null)) or y le false"#,
    "title eq \"Caf\u{e9} \u{1F600}\"",
];

/// Parses `input`; on success the tree must match without panicking and read back
/// from its `Display` form unchanged.
fn parse_and_exercise(input: &str) {
    if let Ok(filter) = parse(input) {
        filter.matches(&jane(), &id_is_case_exact);
        let shown = filter.to_string();
        assert_eq!(
            parse(&shown).as_ref(),
            Ok(&filter),
            "{input:?} shown as {shown:?}"
        );
    }
}

#[test]
fn parse_never_panics_on_prefixes_of_valid_filters() {
    for filter in VALID {
        assert!(parse(filter).is_ok(), "{filter}");
        for (end, _) in filter.char_indices() {
            parse_and_exercise(&filter[..end]);
            parse_and_exercise(&filter[end..]);
        }
    }
}

#[test]
fn parse_never_panics_on_random_bytes() {
    let mut rng = Lcg(0x5c1f_11e7);
    for _ in 0..500 {
        let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        parse_and_exercise(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn parse_never_panics_on_random_token_soup() {
    let tokens: Vec<&str> = r#"userName emails value urn:ietf:params:scim:schemas:core:2.0:User:
        eq NE co pr gt and OR not ( ) [ ] . : "x" "a\"b" " \ 1 -2.5e3 true null é $ref"#
        .split_whitespace()
        .collect();
    let mut rng = Lcg(42);
    for _ in 0..3000 {
        let mut input = String::new();
        for _ in 0..1 + rng.below(14) {
            input.push_str(["", " ", " ", "  "][rng.below(4)]);
            input.push_str(tokens[rng.below(tokens.len())]);
        }
        parse_and_exercise(&input);
    }
}

#[test]
fn parse_never_panics_on_mutated_valid_filters() {
    let inserts = [
        "(", ")", "[", "]", " and ", " or ", "not ", "\"", "\\", ".", ":", " pr", "é",
    ];
    let mut rng = Lcg(2024);
    let mut parsed = 0;
    for _ in 0..3000 {
        let mut input = VALID[rng.below(VALID.len())].to_owned();
        for _ in 0..1 + rng.below(3) {
            let cuts: Vec<usize> = input.char_indices().map(|(i, _)| i).collect();
            let (a, b) = (cuts[rng.below(cuts.len())], cuts[rng.below(cuts.len())]);
            let (from, to) = (a.min(b), a.max(b));
            match rng.below(3) {
                0 => input.replace_range(from..to, ""),
                1 => input.insert_str(from, inserts[rng.below(inserts.len())]),
                _ => input = format!("{}{}", &input[to..], &input[..from]),
            }
        }
        parsed += usize::from(parse(&input).is_ok());
        parse_and_exercise(&input);
    }
    assert!(parsed > 100, "only {parsed} mutated inputs parsed");
}

#[test]
fn random_well_formed_filters_round_trip() {
    let atoms = [
        "a pr",
        "b eq 1",
        "c ne \"x\"",
        "emails[type eq \"w\"]",
        "d.e le null",
    ];
    let mut rng = Lcg(7);
    for _ in 0..500 {
        let mut filter = atoms[rng.below(atoms.len())].to_owned();
        for _ in 0..rng.below(6) {
            let joiner = [" and ", " or "][rng.below(2)];
            let atom = atoms[rng.below(atoms.len())];
            filter = match rng.below(3) {
                0 => format!("{filter}{joiner}{atom}"),
                1 => format!("({filter}){joiner}{atom}"),
                _ => format!("not ({filter}){joiner}{atom}"),
            };
        }
        assert!(parse(&filter).is_ok(), "{filter}");
        parse_and_exercise(&filter);
    }
}
