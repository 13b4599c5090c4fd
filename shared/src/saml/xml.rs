//! Read-only helpers over the one parsed `uppsala` document: namespaces, strict
//! child lookup, unqualified attributes and leaf text that joins every text child.

use super::rejection::Rejection;
use uppsala::{Document, NodeId, NodeKind};

/// SAML core 2.0 assertion namespace (`saml:`).
pub(crate) const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML core 2.0 protocol namespace (`samlp:`).
pub(crate) const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// XML-DSig namespace (`ds:`).
pub(crate) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Exclusive c14n namespace, home of `InclusiveNamespaces`.
pub(crate) const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Whether `id` is an element named `{ns}local`.
pub(crate) fn is(doc: &Document<'_>, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id)
        .is_some_and(|e| e.name.matches(Some(ns), local))
}

/// The element children of `parent`, in document order.
pub(crate) fn child_elements<'d>(
    doc: &'d Document<'_>,
    parent: NodeId,
) -> impl Iterator<Item = NodeId> + 'd {
    doc.children_iter(parent)
        .filter(move |&c| doc.element(c).is_some())
}

/// The element children of `parent` named `{ns}local`.
pub(crate) fn children_named(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    local: &str,
) -> Vec<NodeId> {
    child_elements(doc, parent)
        .filter(|&c| is(doc, c, ns, local))
        .collect()
}

/// The single `{ns}local` child, if any; two or more is malformed (the SAML
/// schema allows at most one of each element this is used for).
pub(crate) fn optional_child(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    local: &'static str,
) -> Result<Option<NodeId>, Rejection> {
    let found = children_named(doc, parent, ns, local);
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(Rejection::DuplicateElement(local)),
    }
}

/// The single required `{ns}local` child.
pub(crate) fn required_child(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    local: &'static str,
) -> Result<NodeId, Rejection> {
    optional_child(doc, parent, ns, local)?.ok_or(Rejection::MissingElement(local))
}

/// An attribute without a namespace (SAML's own attributes are all unqualified).
/// `Element::get_attribute` ignores namespaces, so `x:Recipient` would match it.
pub(crate) fn attr<'d>(doc: &'d Document<'_>, id: NodeId, name: &str) -> Option<&'d str> {
    doc.element(id)?
        .attributes
        .iter()
        .find(|a| {
            a.name.namespace_uri.is_none() && a.name.prefix.is_none() && a.name.local_name == name
        })
        .map(|a| a.value.as_ref())
}

/// A required unqualified attribute.
pub(crate) fn required_attr<'d>(
    doc: &'d Document<'_>,
    id: NodeId,
    name: &'static str,
) -> Result<&'d str, Rejection> {
    attr(doc, id, name).ok_or(Rejection::MissingAttribute(name))
}

/// The text of a value element, joining **all** its text and CDATA children.
///
/// `uppsala`'s and bergshamra's `element_text` return only the first text node,
/// so `victim@x.com<!---->.evil.com` would read as `victim@x.com`: the
/// CVE-2017-11427 family (comment injection, Duo 2018). Exclusive c14n drops
/// comments, so an IdP's signature stays valid over such a value. Decision: a
/// comment or processing instruction inside a value is refused outright (no IdP
/// emits one, and a later re-parse by another library could truncate it again);
/// child elements are refused as well. Whatever is accepted is the full string.
pub(crate) fn leaf_text(
    doc: &Document<'_>,
    id: NodeId,
    what: &'static str,
) -> Result<String, Rejection> {
    let mut out = String::new();
    for child in doc.children_iter(id) {
        match doc.node_kind(child) {
            Some(NodeKind::Text(t)) | Some(NodeKind::CData(t)) => out.push_str(t),
            Some(NodeKind::Comment(_)) | Some(NodeKind::ProcessingInstruction(_)) => {
                return Err(Rejection::CommentInValue(what));
            }
            _ => return Err(Rejection::UnexpectedContent(what)),
        }
    }
    Ok(out)
}

/// Whether a node is a text node holding only XML whitespace.
pub(crate) fn is_blank_text(doc: &Document<'_>, id: NodeId) -> bool {
    match doc.node_kind(id) {
        Some(NodeKind::Text(t)) => t.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')),
        _ => false,
    }
}

/// All descendant elements of the document named `{ns}local`, in document order.
pub(crate) fn descendants_named(doc: &Document<'_>, ns: &str, local: &str) -> Vec<NodeId> {
    doc.descendants(doc.root())
        .into_iter()
        .filter(|&d| is(doc, d, ns, local))
        .collect()
}
