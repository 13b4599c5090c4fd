//! Matching a parsed filter against a SCIM resource.

use super::*;

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
