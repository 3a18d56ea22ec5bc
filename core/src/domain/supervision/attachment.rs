//! A file named in a request or as a request template (SUP-3): a leaf of the crate, used by the
//! catalog (a specification's request template) and the service flows (a request's
//! attachments).

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::policy::Policy;

/// An attachment of a request, or a seller's request template: its file name and size (SUP-3).
/// The content stays with the host.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Attachment {
    /// File name, with one of the policy's extensions.
    pub name: String,
    /// Size in bytes, 1 to the policy's maximum.
    pub bytes: u64,
}

impl Attachment {
    /// Checks the file against the policy (SUP-3): a name of at most `attachment_name_max_chars`
    /// with one of `attachment_extensions`, and 1 to `attachment_max_bytes` bytes. A refusal is
    /// `InvalidInput` of `field`.
    pub fn check(&self, field: &str, policy: &Policy) -> Result<(), Error> {
        let ext = self.name.rsplit_once('.').map(|(stem, ext)| (stem.trim(), ext.to_lowercase()));
        let ok = matches!(&ext, Some((stem, ext)) if !stem.is_empty()
            && policy.attachment_extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)));
        if !ok || self.name.chars().count() > policy.attachment_name_max_chars as usize {
            return Err(Error::invalid(
                field,
                format!(
                    "SUP-3: `{}` is not a supported file; supported formats: {}",
                    self.name,
                    policy.attachment_extensions.join(", ").to_uppercase()
                ),
            ));
        }
        if self.bytes == 0 || self.bytes > policy.attachment_max_bytes {
            return Err(Error::invalid(
                field,
                format!(
                    "SUP-3: `{}` has {} bytes; a file has 1–{} bytes",
                    self.name, self.bytes, policy.attachment_max_bytes
                ),
            ));
        }
        Ok(())
    }
}
