//! Text from outside. Every text that a command, a query or one of the structs they carry brings
//! into the library is one [`Text`] kind, checked here before any store or gateway sees it: no
//! NUL, no control character but the line breaks and tabs of the multi-line kinds, and at most
//! the kind's number of characters. A refusal is [`Error::InvalidInput`] naming the field by its
//! path from the call's argument (`draft.specifications.name`, `request.specification`,
//! `reason`).
//!
//! Each input type lists its texts once, in its [`Input`] implementation below, destructured so
//! that a new field does not compile until it is given its kind; each facade method checks its
//! arguments first, with [`Input::check`] or [`check`].

use std::fmt;

use crate::account::CustomerAccount;
use crate::actor::MAX_ID_CHARS;
use crate::app::{AppFilter, ApplicationInfo};
use crate::catalog::{
    Attribute, ImageResources, ProductDraft, QuantityAttribute, SearchQuery, Specification, SupportRange,
};
use crate::error::Error;
use crate::order::PurchaseRequest;
use crate::policy::Policy;
use crate::provisioning::{Customization, ImageProvisioning, Network, SecurityGroup};
use crate::secret::Secret;
use crate::supervision::{Attachment, Delivery, ServiceRequest};

/// The kinds of text the library accepts, each with its limit. Only [`Text::is_multi_line`]
/// kinds may hold `\n`, `\r` and `\t`; no kind holds any other control character (Unicode
/// category Cc: U+0000–U+001F, U+007F–U+009F).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Text {
    /// A product, category, specification, quantity or attribute name, an attribute value, a
    /// support email or phone, a search's category, an app filter's name:
    /// `product_name_max_chars`.
    Name,
    /// A product tag: `product_tag_max_chars`.
    Tag,
    /// A product description, several lines: `product_description_max_chars`.
    ProductDescription,
    /// An image's flavour: `image_flavour_max_chars`.
    ImageFlavour,
    /// A security group's name: `security_group_name_max_chars`.
    SecurityGroupName,
    /// A VPC or subnet name: `network_name_max_chars`.
    NetworkName,
    /// A server name: `server_name_max_chars`.
    ServerName,
    /// A server's login password: `password_max_chars`.
    LoginPassword,
    /// An application's username, URLs and guide link: `application_info_max_chars`.
    ApplicationInfo,
    /// The password given with application information: `application_password_max_chars`.
    ApplicationPassword,
    /// A service request's description, several lines: `description_max_chars`.
    RequestDescription,
    /// An attachment's file name: `attachment_name_max_chars`.
    AttachmentName,
    /// A reason (rejection, appeal, refund) or a delivery note, several lines:
    /// `reason_max_chars`.
    Reason,
    /// A search's text: `search_text_max_chars`.
    Search,
    /// A customer account's reseller or level: 64 characters, as an id.
    AccountLabel,
}

impl Text {
    /// Whether the text may hold line breaks (`\n`, `\r`) and tabs.
    pub(crate) fn is_multi_line(self) -> bool {
        matches!(self, Text::ProductDescription | Text::RequestDescription | Text::Reason)
    }

    /// The most characters the text may have.
    pub(crate) fn max_chars(self, policy: &Policy) -> usize {
        let max = match self {
            Text::Name => policy.product_name_max_chars,
            Text::Tag => policy.product_tag_max_chars,
            Text::ProductDescription => policy.product_description_max_chars,
            Text::ImageFlavour => policy.image_flavour_max_chars,
            Text::SecurityGroupName => policy.security_group_name_max_chars,
            Text::NetworkName => policy.network_name_max_chars,
            Text::ServerName => policy.server_name_max_chars,
            Text::LoginPassword => policy.password_max_chars,
            Text::ApplicationInfo => policy.application_info_max_chars,
            Text::ApplicationPassword => policy.application_password_max_chars,
            Text::RequestDescription => policy.description_max_chars,
            Text::AttachmentName => policy.attachment_name_max_chars,
            Text::Reason => policy.reason_max_chars,
            Text::Search => policy.search_text_max_chars,
            Text::AccountLabel => policy.max_id_chars.min(MAX_ID_CHARS as u32),
        };
        max as usize
    }
}

/// Where a text is: its field's path from the call's argument, written out only on a refusal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    parent: Option<&'a At<'a>>,
    name: &'a str,
}

impl<'a> At<'a> {
    /// An argument of the call, e.g. `draft` or `reason`.
    pub(crate) const fn arg(name: &'a str) -> At<'a> {
        At { parent: None, name }
    }

    /// A field of this value.
    pub(crate) fn field(&'a self, name: &'a str) -> At<'a> {
        At { parent: Some(self), name }
    }
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}.")?;
        }
        f.write_str(self.name)
    }
}

/// Checks one text: its characters and its length. The refusal names the field and the
/// position of the first character refused, never the text itself (it may be a password).
pub(crate) fn check(at: At<'_>, text: &str, kind: Text, policy: &Policy) -> Result<(), Error> {
    let multi_line = kind.is_multi_line();
    let mut count = 0usize;
    for c in text.chars() {
        count += 1;
        if c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t')) {
            let allowed = if multi_line {
                "this text may hold no control character but line breaks (\\n, \\r) and tabs"
            } else {
                "this text is one line without control characters"
            };
            let what = if c == '\0' { "a NUL character (U+0000)".to_owned() } else { format!("U+{:04X}", c as u32) };
            return Err(Error::invalid(
                at.to_string(),
                format!("character {count} is {what}, and {allowed}: remove it"),
            ));
        }
    }
    let max = kind.max_chars(policy);
    if count > max {
        return Err(Error::invalid(at.to_string(), format!("has at most {max} characters, got {count}")));
    }
    Ok(())
}

/// Checks `text` if there is one.
fn check_some(at: At<'_>, text: Option<&str>, kind: Text, policy: &Policy) -> Result<(), Error> {
    text.map_or(Ok(()), |t| check(at, t, kind, policy))
}

impl crate::Marketplace {
    /// Checks the texts of the argument `arg` of a facade call, first thing in the call.
    pub(crate) fn check_input<T: Input + ?Sized>(&self, arg: &str, value: &T) -> Result<(), Error> {
        value.check(At::arg(arg), self.policy())
    }

    /// Checks a text argument `arg` of a facade call, first thing in the call.
    pub(crate) fn check_text(&self, arg: &str, text: &str, kind: Text) -> Result<(), Error> {
        check(At::arg(arg), text, kind, self.policy())
    }
}

/// A value from outside that carries texts.
pub(crate) trait Input {
    /// Checks every text of the value; `at` is where the value is.
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error>;
}

impl<T: Input> Input for Option<T> {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        self.as_ref().map_or(Ok(()), |v| v.check(at, policy))
    }
}

impl<T: Input> Input for [T] {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        self.iter().try_for_each(|v| v.check(at, policy))
    }
}

impl Input for Secret {
    /// A password on its own (the one given with application information).
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        check(at, self.expose(), Text::ApplicationPassword, policy)
    }
}

impl Input for ProductDraft {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let ProductDraft {
            name,
            category,
            delivery: _,
            involves_supervision: _,
            tags,
            description,
            support,
            specifications,
            image,
        } = self;
        check(at.field("name"), name, Text::Name, policy)?;
        check(at.field("category"), category, Text::Name, policy)?;
        for tag in tags {
            check(at.field("tags"), tag, Text::Tag, policy)?;
        }
        check(at.field("description"), description, Text::ProductDescription, policy)?;
        support.check(at.field("support"), policy)?;
        specifications.check(at.field("specifications"), policy)?;
        image.check(at.field("image"), policy)
    }
}

impl Input for SupportRange {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let SupportRange { email, phone } = self;
        check(at.field("email"), email, Text::Name, policy)?;
        check(at.field("phone"), phone, Text::Name, policy)
    }
}

impl Input for Specification {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Specification { name, attributes, quantity, plans: _, request_template } = self;
        check(at.field("name"), name, Text::Name, policy)?;
        attributes.check(at.field("attributes"), policy)?;
        quantity.check(at.field("quantity"), policy)?;
        request_template.check(at.field("request_template"), policy)
    }
}

impl Input for Attribute {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Attribute { name, value } = self;
        check(at.field("name"), name, Text::Name, policy)?;
        check(at.field("value"), value, Text::Name, policy)
    }
}

impl Input for QuantityAttribute {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let QuantityAttribute { name, min: _, max: _, step: _ } = self;
        check(at.field("name"), name, Text::Name, policy)
    }
}

impl Input for ImageResources {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let ImageResources { flavour, system_disk_gb: _, recommended_security_group, plans: _ } = self;
        check(at.field("flavour"), flavour, Text::ImageFlavour, policy)?;
        let group = recommended_security_group.as_deref();
        check_some(at.field("recommended_security_group"), group, Text::SecurityGroupName, policy)
    }
}

impl Input for PurchaseRequest {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let PurchaseRequest { product: _, specification, mode: _, quantity: _, periods: _ } = self;
        check(at.field("specification"), specification, Text::Name, policy)
    }
}

impl Input for SearchQuery {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let SearchQuery {
            text,
            category,
            delivery: _,
            billing_mode: _,
            seller: _,
            min_price: _,
            max_price: _,
            sort: _,
            page: _,
            page_size: _,
        } = self;
        check(at.field("text"), text, Text::Search, policy)?;
        check_some(at.field("category"), category.as_deref(), Text::Name, policy)
    }
}

impl Input for AppFilter {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let AppFilter { status: _, delivery: _, mode: _, name } = self;
        check_some(at.field("name"), name.as_deref(), Text::Name, policy)
    }
}

impl Input for ImageProvisioning {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let ImageProvisioning {
            specification,
            network,
            security_group,
            login_password,
            agree_terms: _,
            customization,
            quick_mode: _,
        } = self;
        check(at.field("specification"), specification, Text::Name, policy)?;
        network.check(at.field("network"), policy)?;
        security_group.check(at.field("security_group"), policy)?;
        check(at.field("login_password"), login_password.expose(), Text::LoginPassword, policy)?;
        customization.check(at.field("customization"), policy)
    }
}

impl Input for Network {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Network { vpc, subnet } = self;
        check(at.field("vpc"), vpc, Text::NetworkName, policy)?;
        check(at.field("subnet"), subnet, Text::NetworkName, policy)
    }
}

impl Input for SecurityGroup {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        match self {
            SecurityGroup::Recommended => Ok(()),
            SecurityGroup::New { name } => check(at.field("name"), name, Text::SecurityGroupName, policy),
        }
    }
}

impl Input for Customization {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Customization { mode: _, eip_mbit: _, server_name, periods: _, instances: _ } = self;
        check(at.field("server_name"), server_name, Text::ServerName, policy)
    }
}

impl Input for ApplicationInfo {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let ApplicationInfo { username, management_url, frontend_url, product_guide, has_password: _ } = self;
        check(at.field("username"), username, Text::ApplicationInfo, policy)?;
        check(at.field("management_url"), management_url, Text::ApplicationInfo, policy)?;
        check(at.field("frontend_url"), frontend_url, Text::ApplicationInfo, policy)?;
        check(at.field("product_guide"), product_guide, Text::ApplicationInfo, policy)
    }
}

impl Input for ServiceRequest {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let ServiceRequest { description, attachments } = self;
        check(at.field("description"), description, Text::RequestDescription, policy)?;
        attachments.check(at.field("attachments"), policy)
    }
}

impl Input for Attachment {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Attachment { name, bytes: _ } = self;
        check(at.field("name"), name, Text::AttachmentName, policy)
    }
}

impl Input for Delivery {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let Delivery { note, enabling_time: _, application_info } = self;
        check(at.field("note"), note, Text::Reason, policy)?;
        application_info.check(at.field("application_info"), policy)
    }
}

impl Input for CustomerAccount {
    fn check(&self, at: At<'_>, policy: &Policy) -> Result<(), Error> {
        let CustomerAccount {
            id: _,
            bound_card: _,
            credit_enabled: _,
            reseller,
            level,
            unconditional_unsubscriptions: _,
        } = self;
        check_some(at.field("reseller"), reseller.as_deref(), Text::AccountLabel, policy)?;
        check_some(at.field("level"), level.as_deref(), Text::AccountLabel, policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, kind: Text) -> Option<String> {
        match check(At::arg("draft").field("name"), text, kind, &Policy::default()) {
            Ok(()) => None,
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "draft.name");
                Some(reason)
            }
            Err(other) => panic!("{other}"),
        }
    }

    #[test]
    fn one_line_texts_refuse_every_control_character() {
        for c in ['\0', '\n', '\r', '\t', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            let reason = refused(&format!("Mail{c}Pro"), Text::Name).expect("refused");
            assert!(reason.starts_with("character 5 is "), "{reason}");
        }
        assert!(refused("Mail\0Pro", Text::Name).unwrap().contains("NUL"));
        assert_eq!(refused("Mail Pro · 邮件 ✉", Text::Name), None);
    }

    #[test]
    fn multi_line_texts_allow_line_breaks_and_tabs_only() {
        assert_eq!(refused("line one\r\nline two\n\tindented", Text::Reason), None);
        for c in ['\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}'] {
            assert!(refused(&format!("a{c}"), Text::Reason).is_some(), "{c:?}");
        }
    }

    #[test]
    fn a_text_has_at_most_its_kinds_characters() {
        let max = Policy::default().product_tag_max_chars as usize;
        assert_eq!(refused(&"é".repeat(max), Text::Tag), None);
        let reason = refused(&"é".repeat(max + 1), Text::Tag).expect("refused");
        assert_eq!(reason, format!("has at most {max} characters, got {}", max + 1));
    }

    #[test]
    fn a_refusal_never_repeats_the_text() {
        let reason = refused("s3cret\0pw", Text::LoginPassword).expect("refused");
        assert!(!reason.contains("s3cret"), "{reason}");
    }
}
