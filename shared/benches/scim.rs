//! What Okta waits on in SCIM: filter parsing and matching, and rendering a list page.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use shared::model::{RoleSource, Source, User};
use shared::scim::filter::{AttrPath, parse};
use shared::scim::list::{Page, list_response};
use shared::scim::resource::render_user;
use shared::types::{CompanyId, Email, Role, UserId, UserName};

const FILTERS: [(&str, &str); 4] = [
    ("user_name_eq", r#"userName eq "jane+test@x.com""#),
    (
        "last_modified_gt",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    ),
    (
        "value_path",
        r#"emails[type eq "work"].value eq "jane@x.com" and active eq true"#,
    ),
    (
        "urn_not_or",
        r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "rep" and not (emails co "example.com" or userName sw "bob")"#,
    ),
];

fn case_exact(path: &AttrPath) -> bool {
    path.is("id")
}

fn user(i: usize) -> User {
    let email = format!("user{i}@example.com");
    User {
        id: UserId::parse(&format!("u{i:08}")).unwrap(),
        company_id: CompanyId::parse("acme").unwrap(),
        user_name: UserName::parse(&email).unwrap(),
        email: Email::parse(&email).unwrap(),
        given_name: "Jane".into(),
        family_name: format!("Doe{i}"),
        phone_number: Some("+1 555 0100".into()),
        timezone: Some("America/New_York".into()),
        role: Role::Rep,
        role_source: RoleSource::Extension,
        active: true,
        external_id: shared::identity::ExternalId::parse(&format!("00u{i}")).ok(),
        name_id: None,
        source: Source::Scim,
        version: 3,
        created_at: shared::types::Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        last_modified: shared::types::Timestamp::parse("2026-01-02T00:00:00Z").unwrap(),
    }
}

fn filters(c: &mut Criterion) {
    let resource = render_user(&user(1), "https://sso.example.com/scim/v2");
    for (name, text) in FILTERS {
        c.bench_function(&format!("filter/parse/{name}"), |b| {
            b.iter(|| parse(black_box(text)))
        });
        let Ok(filter) = parse(text) else { return };
        c.bench_function(&format!("filter/match/{name}"), |b| {
            b.iter(|| filter.matches(black_box(&resource), &case_exact))
        });
    }
}

/// A page of 100 users out of 1,000, filtered and serialized: Okta's default page size.
fn list_page(c: &mut Criterion) {
    let users: Vec<User> = (0..1000).map(user).collect();
    let filter = parse(r#"active eq true"#).unwrap();
    let page = Page {
        start_index: 1,
        count: 100,
    };
    c.bench_function("list/render_100_of_1000", |b| {
        b.iter(|| {
            let matching: Vec<_> = users
                .iter()
                .map(|u| render_user(u, "https://sso.example.com/scim/v2"))
                .filter(|r| filter.matches(r, &case_exact))
                .collect();
            let range = page.slice(&matching);
            let total = matching.len();
            let body = list_response(matching[range].to_vec(), total, 1);
            black_box(body.to_string())
        })
    });
}

criterion_group!(benches, filters, list_page);
criterion_main!(benches);
