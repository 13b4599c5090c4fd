//! Errors and limits, key look-ups, and parsing arbitrary input without a panic.

use super::*;

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
