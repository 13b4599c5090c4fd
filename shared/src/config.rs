//! Config: the environment read once at cold start; a missing or bad variable stops start-up.

use std::time::Duration;

use url::Url;

/// Everything a function needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB single table name (`TABLE_NAME`).
    pub table_name: String,
    /// Secrets Manager secret holding the signing keys (`SECRET_ID`).
    pub secret_id: String,
    /// Public base URL of this service, no trailing slash (`PUBLIC_BASE_URL`).
    pub public_base_url: Url,
    /// The app users land in after login (`APP_URL`).
    pub app_url: Url,
    /// Sender address for every email (`MAIL_FROM`).
    pub mail_from: String,
    /// Allowed clock difference with the IdP (`CLOCK_SKEW_SECONDS`, default 180).
    pub clock_skew: Duration,
    /// Set only by the local stack (`LOCAL_MODE=true`): allows http and loopback metadata URLs.
    pub local_mode: bool,
    /// How a login hands its session to the app (`SESSION_HANDOFF`: `cookie`, the default,
    /// or `code`).
    pub session_handoff: SessionHandoff,
    /// `Domain=` of the session cookie, for an app on a sibling host (`SESSION_COOKIE_DOMAIN`).
    pub session_cookie_domain: Option<String>,
    /// Most users a SCIM filter no key can answer may examine; over it, `400 tooMany`
    /// (`SCIM_FILTER_MAX_USERS`, default 10,000).
    pub scim_filter_max_users: usize,
    /// `WANT_ASSERTIONS_SIGNED` (default false): the SP metadata says so and the ACS then
    /// refuses an Assertion without its own signature. Off, a signature of the Response or
    /// of the Assertion suffices (CONTRACT); an encrypted Assertion must always be signed.
    pub want_assertions_signed: bool,
    /// The admin portal's CSP `frame-ancestors` (`PORTAL_FRAME_ANCESTORS`, default
    /// `'none'`): the app's origin(s) when it embeds the portal in a frame.
    pub portal_frame_ancestors: String,
}

/// CONTRACT.md "Session handoff to the app".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionHandoff {
    /// `Set-Cookie: session=...` on the ACS's redirect (same host, or `SESSION_COOKIE_DOMAIN`).
    Cookie,
    /// A one-use, 60-second code on `APP_URL/sso/callback`, exchanged by the app's server.
    Code,
}

/// Why the environment could not be read; names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("missing environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            secret_id: required("SECRET_ID")?,
            public_base_url: parse_base_url("PUBLIC_BASE_URL", &required("PUBLIC_BASE_URL")?)?,
            app_url: parse_base_url("APP_URL", &required("APP_URL")?)?,
            mail_from: parse_sender(&required("MAIL_FROM")?)?,
            clock_skew: parse_skew(lookup("CLOCK_SKEW_SECONDS"))?,
            local_mode: parse_bool("LOCAL_MODE", lookup("LOCAL_MODE"))?,
            session_handoff: parse_handoff(lookup("SESSION_HANDOFF"))?,
            session_cookie_domain: parse_cookie_domain(lookup("SESSION_COOKIE_DOMAIN"))?,
            scim_filter_max_users: parse_max_users(lookup("SCIM_FILTER_MAX_USERS"))?,
            want_assertions_signed: parse_bool(
                "WANT_ASSERTIONS_SIGNED",
                lookup("WANT_ASSERTIONS_SIGNED"),
            )?,
            portal_frame_ancestors: parse_frame_ancestors(lookup("PORTAL_FRAME_ANCESTORS"))?,
        })
    }

    /// `{base}` followed by `path` (which starts with `/`).
    pub fn public_url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.public_base_url.as_str().trim_end_matches('/')
        )
    }

    /// `APP_URL` followed by `path` (which starts with `/`).
    pub fn app_url_with(&self, path: &str) -> String {
        format!("{}{path}", self.app_url.as_str().trim_end_matches('/'))
    }

    /// Cookies drop `Secure` only when the public base is plain http (local stack).
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.scheme() == "https"
    }
}

fn parse_base_url(name: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError::Invalid {
            name,
            reason: "must be an absolute http(s) URL".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::Invalid {
            name,
            reason: "must not have a query or fragment".into(),
        });
    }
    Ok(url)
}

fn parse_sender(raw: &str) -> Result<String, ConfigError> {
    crate::types::Email::parse(raw)
        .map(|e| e.as_str().to_owned())
        .map_err(|e| ConfigError::Invalid {
            name: "MAIL_FROM",
            reason: e.to_string(),
        })
}

fn parse_skew(raw: Option<String>) -> Result<Duration, ConfigError> {
    let Some(raw) = raw.filter(|v| !v.trim().is_empty()) else {
        return Ok(Duration::from_secs(180));
    };
    match raw.trim().parse::<u64>() {
        Ok(secs) if secs <= 600 => Ok(Duration::from_secs(secs)),
        _ => Err(ConfigError::Invalid {
            name: "CLOCK_SKEW_SECONDS",
            reason: "must be whole seconds between 0 and 600".into(),
        }),
    }
}

fn parse_handoff(raw: Option<String>) -> Result<SessionHandoff, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") | Some("cookie") => Ok(SessionHandoff::Cookie),
        Some("code") => Ok(SessionHandoff::Code),
        Some(_) => Err(ConfigError::Invalid {
            name: "SESSION_HANDOFF",
            reason: "must be cookie or code".into(),
        }),
    }
}

/// A host name (RFC 6265 5.2.3 `Domain`), a leading dot dropped: letters, digits, `-` and
/// dots, at least two labels, no scheme, port or path.
fn parse_cookie_domain(raw: Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw
        .map(|r| r.trim().to_ascii_lowercase())
        .filter(|r| !r.is_empty())
    else {
        return Ok(None);
    };
    let domain = raw.trim_start_matches('.').to_owned();
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() >= 2 && labels.iter().all(|l| label_ok(l)) {
        Ok(Some(domain))
    } else {
        Err(ConfigError::Invalid {
            name: "SESSION_COOKIE_DOMAIN",
            reason: "must be a host name such as example.com".into(),
        })
    }
}

fn parse_max_users(raw: Option<String>) -> Result<usize, ConfigError> {
    let Some(raw) = raw.filter(|v| !v.trim().is_empty()) else {
        return Ok(10_000);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=1_000_000).contains(&n) => Ok(n),
        _ => Err(ConfigError::Invalid {
            name: "SCIM_FILTER_MAX_USERS",
            reason: "must be a whole number between 1 and 1000000".into(),
        }),
    }
}

/// Space-separated `'self'`, `'none'` or http(s) origins: nothing that could end the CSP
/// directive (`;`, `,`) or add another.
fn parse_frame_ancestors(raw: Option<String>) -> Result<String, ConfigError> {
    let Some(raw) = raw.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) else {
        return Ok("'none'".to_owned());
    };
    let source_ok = |s: &str| {
        matches!(s, "'self'" | "'none'")
            || ((s.starts_with("https://") || s.starts_with("http://"))
                && url::Url::parse(s).is_ok_and(|u| u.host_str().is_some() && u.path() == "/")
                && !s.contains([';', ',', '\'', '"']))
    };
    if raw.split_whitespace().all(source_ok) {
        Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Err(ConfigError::Invalid {
            name: "PORTAL_FRAME_ANCESTORS",
            reason: "must be 'self', 'none' or origins such as https://app.example.com".into(),
        })
    }
}

fn parse_bool(name: &'static str, raw: Option<String>) -> Result<bool, ConfigError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(_) => Err(ConfigError::Invalid {
            name,
            reason: "must be true or false".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("TABLE_NAME", "t"),
        ("SECRET_ID", "s"),
        ("PUBLIC_BASE_URL", "https://sso.example.com"),
        ("APP_URL", "https://app.example.com"),
        ("MAIL_FROM", "app@qualified.com"),
    ];

    #[test]
    fn a_complete_environment_gives_defaults_for_the_optional_parts() {
        let config = Config::from_lookup(env(FULL)).unwrap();
        assert_eq!(config.clock_skew, Duration::from_secs(180));
        assert!(!config.local_mode);
        assert_eq!(config.scim_filter_max_users, 10_000);
        assert!(config.secure_cookies());
        assert_eq!(
            config.public_url("/saml/x/acs"),
            "https://sso.example.com/saml/x/acs"
        );
    }

    #[test]
    fn the_session_handoff_and_cookie_domain_are_read_and_checked() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut vars = FULL.to_vec();
            vars.extend_from_slice(pairs);
            Config::from_lookup(env(&vars))
        };
        let config = with(&[]).unwrap();
        assert_eq!(config.session_handoff, SessionHandoff::Cookie);
        assert_eq!(config.session_cookie_domain, None);
        let config = with(&[
            ("SESSION_HANDOFF", "code"),
            ("SESSION_COOKIE_DOMAIN", ".Example.com"),
        ])
        .unwrap();
        assert_eq!(config.session_handoff, SessionHandoff::Code);
        assert_eq!(config.session_cookie_domain.as_deref(), Some("example.com"));
        for bad in [
            "https://example.com",
            "example.com:443",
            "example.com/x",
            "localhost",
            "a..b",
            "-a.com",
        ] {
            assert!(with(&[("SESSION_COOKIE_DOMAIN", bad)]).is_err(), "{bad}");
        }
        assert!(with(&[("SESSION_HANDOFF", "url")]).is_err());
    }

    #[test]
    fn the_filter_cap_is_a_positive_whole_number() {
        for (raw, ok) in [
            ("1", true),
            ("250000", true),
            ("0", false),
            ("-3", false),
            ("lots", false),
        ] {
            let mut vars = FULL.to_vec();
            vars.push(("SCIM_FILTER_MAX_USERS", raw));
            assert_eq!(Config::from_lookup(env(&vars)).is_ok(), ok, "{raw}");
        }
    }

    #[test]
    fn each_missing_variable_is_named() {
        for (name, _) in FULL {
            let rest: Vec<_> = FULL.iter().copied().filter(|(k, _)| k != name).collect();
            let err = Config::from_lookup(env(&rest)).unwrap_err();
            assert_eq!(err, ConfigError::Missing(name));
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn a_relative_base_url_is_refused() {
        let mut vars = FULL.to_vec();
        vars[2] = ("PUBLIC_BASE_URL", "sso.example.com");
        let err = Config::from_lookup(env(&vars)).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "PUBLIC_BASE_URL",
                ..
            }
        ));
    }

    #[test]
    fn a_skew_that_is_not_a_number_is_refused() {
        let mut vars = FULL.to_vec();
        vars.push(("CLOCK_SKEW_SECONDS", "3m"));
        let err = Config::from_lookup(env(&vars)).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "CLOCK_SKEW_SECONDS",
                ..
            }
        ));
    }
}
