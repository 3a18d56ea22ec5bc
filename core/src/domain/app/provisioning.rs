//! Image provisioning requests and the login-password policy (IMG-1..3).

use serde::{Deserialize, Serialize};

use crate::catalog::{BillingMode, Product};
use crate::error::Error;
use crate::policy::Policy;
use crate::secret::Secret;

pub use crate::policy::PASSWORD_SPECIALS;

/// The billing modes of an image, in the order quick provisioning takes the first the image
/// offers when the customer chooses none (IMG-1): a one-time plan is not one of them.
pub const IMAGE_MODES: [BillingMode; 3] = [BillingMode::Monthly, BillingMode::Yearly, BillingMode::PayPerUse];

/// The network a server joins (IMG-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Network {
    /// VPC name or id.
    pub vpc: String,
    /// Subnet name or id.
    pub subnet: String,
}

/// The security group of the servers (IMG-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SecurityGroup {
    /// The group the seller recommends.
    Recommended,
    /// A new group with this name.
    New {
        /// Its name.
        name: String,
    },
}

/// Customized provisioning's extra choices (IMG-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Customization {
    /// Billing mode: monthly, yearly or pay-per-use (an image is never billed one-time).
    pub mode: BillingMode,
    /// EIP bandwidth in Mbit/s, if an EIP is wanted: the policy's `eip_min_mbit` (1) to
    /// `eip_max_mbit` (2,000).
    pub eip_mbit: Option<u32>,
    /// Server name: 1 to the policy's `server_name_max_chars` (64) letters, digits, `_`, `-`, `.`.
    pub server_name: String,
    /// Number of periods (months or years).
    pub periods: u32,
    /// Number of instances: the policy's `min_instances` (1) to `max_instances` (50).
    pub instances: u32,
}

/// A request to provision an image: quick when `customization` is `None` (IMG-1), customized
/// otherwise (IMG-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
pub struct ImageProvisioning {
    /// The specification of the image product.
    pub specification: String,
    /// Network.
    pub network: Network,
    /// Security group.
    pub security_group: SecurityGroup,
    /// The servers' login password (IMG-3). Never stored with the order or in events.
    pub login_password: Secret,
    /// The customer agreed to the terms.
    pub agree_terms: bool,
    /// Customized choices; `None` for quick provisioning.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub customization: Option<Customization>,
    /// Quick provisioning: the billing mode the customer chose among the plans the image offers
    /// — yearly, monthly or pay-per-use (IMG-1). `None` takes the first the image offers, in
    /// this order: monthly, yearly, pay-per-use (never one-time). Customized provisioning sets
    /// its mode in `customization` instead.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub quick_mode: Option<BillingMode>,
}

impl std::fmt::Debug for ImageProvisioning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageProvisioning")
            .field("specification", &self.specification)
            .field("network", &self.network)
            .field("security_group", &self.security_group)
            .field("login_password", &self.login_password)
            .field("agree_terms", &self.agree_terms)
            .field("customization", &self.customization)
            .field("quick_mode", &self.quick_mode)
            .finish()
    }
}

/// What is kept of a provisioning request on the order: everything but the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ImageSetup {
    /// Instance flavour.
    pub flavour: String,
    /// Network.
    pub network: Network,
    /// Security group (a recommended group is resolved to its name).
    pub security_group: String,
    /// EIP bandwidth, if any.
    pub eip_mbit: Option<u32>,
    /// Server name.
    pub server_name: String,
    /// Instances.
    pub instances: u32,
    /// Customized (true) or quick (false).
    pub customized: bool,
}

/// The validated request: what to order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePlan {
    /// Billing mode.
    pub mode: BillingMode,
    /// Periods.
    pub periods: u32,
    /// What the order keeps.
    pub setup: ImageSetup,
}

/// Checks a login password (IMG-3); the error says which condition failed.
///
/// ```
/// use appmarket::provisioning::check_login_password;
/// let policy = appmarket::Policy::default();
/// assert!(check_login_password("Cloud#2026x", &policy).is_ok());
/// let err = check_login_password("short", &policy).unwrap_err();
/// assert!(err.to_string().contains("8–26 characters"));
/// ```
pub fn check_login_password(password: &str, policy: &Policy) -> Result<(), Error> {
    let fail = |reason: String| Err(Error::invalid("login_password", reason));
    let n = password.chars().count() as u32;
    if n < policy.password_min_chars || n > policy.password_max_chars {
        return fail(format!(
            "must have {}–{} characters, it has {n}",
            policy.password_min_chars, policy.password_max_chars
        ));
    }
    let specials = policy.password_special_characters.as_str();
    if let Some(bad) = password.chars().find(|c| !(c.is_ascii_alphanumeric() || specials.contains(*c))) {
        return fail(format!("contains {bad:?}, which is not allowed: use letters, digits and {specials}"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| specials.contains(c)),
    ]
    .iter()
    .filter(|x| **x)
    .count() as u32;
    if classes < policy.password_min_classes {
        return fail(format!(
            "must contain at least {} of: upper-case letters, lower-case letters, digits, special characters \
             ({specials}); it has {classes}",
            policy.password_min_classes
        ));
    }
    let lower = password.to_lowercase();
    let user = policy.password_user_name.to_lowercase();
    let reverse: String = user.chars().rev().collect();
    if lower.contains(&user) || lower.contains(&reverse) {
        return fail(format!("must not contain the user name `{}` or its reverse", policy.password_user_name));
    }
    Ok(())
}

/// Checks a server name (IMG-2).
pub fn check_server_name(name: &str, policy: &Policy) -> Result<(), Error> {
    let n = name.chars().count() as u32;
    if n == 0 || n > policy.server_name_max_chars {
        return Err(Error::invalid(
            "server_name",
            format!("must have 1–{} characters, it has {n}", policy.server_name_max_chars),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))) {
        return Err(Error::invalid("server_name", format!("contains {bad:?}: use letters, digits, `_`, `-` and `.`")));
    }
    Ok(())
}

fn check_label(field: &str, text: &str, max: u32) -> Result<(), Error> {
    let n = text.trim().chars().count();
    if n == 0 || n > max as usize {
        return Err(Error::invalid(field, format!("needs 1–{max} characters, got {n}")));
    }
    Ok(())
}

impl ImageProvisioning {
    /// Validates the request against the product and the policy and prices it: the image fee and
    /// the cloud resource fee, each shown (IMG-1..3, PRC-3).
    pub(crate) fn priced(
        &self,
        product: &Product,
        policy: &Policy,
    ) -> Result<(crate::pricing::Quote, ImagePlan), Error> {
        product.check_orderable()?;
        let plan = self.plan(product, policy)?;
        crate::catalog::check_periods(plan.mode, plan.periods, policy, "IMG-2")?;
        let spec = product.specification(&self.specification)?;
        let price_plan = spec.plan(plan.mode)?;
        let resources = product.image.as_ref().ok_or_else(|| Error::not_allowed("IMG-1", "not an image"))?;
        let quote = crate::pricing::image_quote(
            spec,
            price_plan,
            resources,
            plan.setup.eip_mbit,
            plan.setup.instances,
            plan.periods,
        )?;
        Ok((quote, plan))
    }

    /// Validates the request against the product and the policy (IMG-1..3).
    pub fn plan(&self, product: &Product, policy: &Policy) -> Result<ImagePlan, Error> {
        let resources = product
            .image
            .as_ref()
            .ok_or_else(|| Error::not_allowed("IMG-1", format!("product `{}` is not an image", product.name)))?;
        if !self.agree_terms {
            return Err(Error::not_allowed("IMG-1", "agree to the terms to provision the image"));
        }
        check_label("network.vpc", &self.network.vpc, policy.network_name_max_chars)?;
        check_label("network.subnet", &self.network.subnet, policy.network_name_max_chars)?;
        let security_group = match &self.security_group {
            SecurityGroup::Recommended => resources.recommended_security_group.clone().ok_or_else(|| {
                Error::invalid("security_group", "the seller recommends no security group: create a new one")
            })?,
            SecurityGroup::New { name } => {
                check_label("security_group", name, policy.security_group_name_max_chars)?;
                name.trim().to_owned()
            }
        };
        check_login_password(self.login_password.expose(), policy)?;
        let spec = product.specification(&self.specification)?;
        let (mode, periods, eip_mbit, server_name, instances, customized) = match &self.customization {
            None => {
                let mode = match self.quick_mode {
                    Some(BillingMode::OneTime) => {
                        return Err(Error::invalid(
                            "quick_mode",
                            "quick provisioning is billed yearly, monthly or pay-per-use",
                        ));
                    }
                    // The customer's choice, among the plans the image offers (CAT-2).
                    Some(mode) => {
                        spec.plan(mode)?;
                        mode
                    }
                    // The first the image offers; a one-time plan is no billing mode of an image.
                    None => IMAGE_MODES.into_iter().find(|m| spec.plan(*m).is_ok()).ok_or_else(|| {
                        Error::invalid(
                            "specification",
                            format!(
                                "specification `{}` offers no monthly, yearly or pay-per-use plan: an image is not \
                                 billed one-time",
                                spec.name
                            ),
                        )
                    })?,
                };
                let name: String = product
                    .name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '-' })
                    .take(policy.server_name_max_chars as usize)
                    .collect();
                (mode, 1, None, name, policy.min_instances, false)
            }
            Some(_) if self.quick_mode.is_some() => {
                return Err(Error::invalid(
                    "quick_mode",
                    "customized provisioning chooses its billing mode in the customization",
                ));
            }
            Some(c) if !IMAGE_MODES.contains(&c.mode) => {
                return Err(Error::invalid(
                    "customization.mode",
                    format!("an image is billed monthly, yearly or pay-per-use, not {}", c.mode),
                ));
            }
            Some(c) => {
                check_server_name(&c.server_name, policy)?;
                if c.instances < policy.min_instances || c.instances > policy.max_instances {
                    return Err(Error::invalid(
                        "instances",
                        format!(
                            "an image order has {}–{} instances, got {}",
                            policy.min_instances, policy.max_instances, c.instances
                        ),
                    ));
                }
                if let Some(mbit) = c.eip_mbit
                    && !(policy.eip_min_mbit..=policy.eip_max_mbit).contains(&mbit)
                {
                    return Err(Error::invalid(
                        "eip_mbit",
                        format!("EIP bandwidth is {}–{} Mbit/s, got {mbit}", policy.eip_min_mbit, policy.eip_max_mbit),
                    ));
                }
                (c.mode, c.periods, c.eip_mbit, c.server_name.clone(), c.instances, true)
            }
        };
        spec.plan(mode)?;
        Ok(ImagePlan {
            mode,
            periods,
            setup: ImageSetup {
                flavour: resources.flavour.clone(),
                network: Network { vpc: self.network.vpc.trim().into(), subnet: self.network.subnet.trim().into() },
                security_group,
                eip_mbit,
                server_name,
                instances,
                customized,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(pw: &str) -> String {
        check_login_password(pw, &Policy::default()).unwrap_err().to_string()
    }

    #[test]
    fn img_3_password_length_is_8_to_26() {
        assert!(reason("Ab1#").contains("8–26 characters"));
        assert!(reason(&format!("Ab1#{}", "x".repeat(23))).contains("8–26 characters"));
        assert!(check_login_password(&format!("Ab1#{}", "x".repeat(22)), &Policy::default()).is_ok());
    }

    #[test]
    fn img_3_password_needs_three_character_classes() {
        assert!(reason("abcdefgh1").contains("at least 3 of"));
        assert!(check_login_password("abcdefg1#", &Policy::default()).is_ok());
    }

    #[test]
    fn img_3_password_must_not_contain_root_or_its_reverse() {
        assert!(reason("MyRoot#123").contains("root"));
        assert!(reason("xToor#123a").contains("root"));
    }

    #[test]
    fn img_3_password_refuses_characters_outside_the_classes() {
        assert!(reason("Abc 123#xyz").contains("not allowed"));
        assert!(reason("Abc123#xyzé").contains("not allowed"));
    }

    #[test]
    fn img_2_server_name_is_1_to_64_safe_characters() {
        let p = Policy::default();
        assert!(check_server_name("web-01.prod_a", &p).is_ok());
        assert!(check_server_name("", &p).is_err());
        assert!(check_server_name(&"a".repeat(65), &p).is_err());
        assert!(check_server_name("web 01", &p).unwrap_err().to_string().contains("' '"));
    }
}
