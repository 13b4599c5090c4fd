//! The public URLs this service answers on, each shape in one place (CONTRACT.md): the SP
//! entity ID, ACS and SP metadata of an org, the SCIM base, a binding link.

use crate::config::Config;
use crate::types::CompanyId;

/// `{base}/saml/{companyId}`: the SP entity ID, and the Audience an assertion must name.
pub fn sp_entity_id(config: &Config, org: &CompanyId) -> String {
    config.public_url(&format!("/saml/{org}"))
}

/// `{base}/saml/{companyId}/acs`: Destination and Recipient of every assertion.
pub fn acs_url(config: &Config, org: &CompanyId) -> String {
    config.public_url(&format!("/saml/{org}/acs"))
}

/// `{base}/saml/{companyId}/metadata`.
pub fn sp_metadata_url(config: &Config, org: &CompanyId) -> String {
    config.public_url(&format!("/saml/{org}/metadata"))
}

/// `{base}/scim/v2`.
pub fn scim_base(config: &Config) -> String {
    config.public_url("/scim/v2")
}

/// `{base}/bind/{token}`: the link of a binding email.
pub fn binding_link(config: &Config, token: &str) -> String {
    config.public_url(&format!("/bind/{token}"))
}

/// `{base}/saml/{companyId}/login?request={id}`: the HTTP-POST form of a stored request.
pub fn login_request_url(config: &Config, org: &CompanyId, request_id: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("request", request_id)
        .finish();
    config.public_url(&format!("/saml/{org}/login?{query}"))
}
