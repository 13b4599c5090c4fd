//! Parsing into a tree, and display back to filter syntax.

use super::*;

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

/// Found by the `scim_filter` fuzz target: serde_json's default float parsing is not
/// correctly rounded, so a number past u64 printed and parsed again was another number.
#[test]
fn a_number_past_u64_prints_and_parses_back_to_the_same_number() {
    for input in [
        "e eq 444444444444444000000005",
        "e eq 4.4444444444444403e+23",
        "e gt 0.30000000000000004",
        "e lt -1.7976931348623157e308",
    ] {
        let filter = parse(input).unwrap();
        let printed = filter.to_string();
        assert_eq!(
            parse(&printed).unwrap(),
            filter,
            "{input} printed as {printed}"
        );
    }
}
