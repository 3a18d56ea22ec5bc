//! App passwords sealed at rest with a key the host supplies (feature `sealing`), for the
//! persisted stores (APP-5).
//!
//! A password is sealed with XChaCha20-Poly1305 under the host's 32-byte [`SecretKey`], with a
//! random 24-byte nonce per value and the app's id as associated data: a sealed password cannot
//! be moved to another app, and a changed byte is refused, never read as another password. A
//! store records a key check (a known constant sealed with the key) beside its secrets, so that
//! a wrong key is refused when the store opens ([`WRONG_KEY`]).
//!
//! What a store does with its passwords when it opens is an [`Opening`]: plain text (no key and
//! no key check), sealed with the key, sealed for the first time (the key check is recorded and
//! the plain passwords sealed), or sealed again under a new key (rotation: the key check opens
//! with the previous key). The store then keeps passwords through [`Sealing`].

use std::fmt;

use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::actor::AppId;
use crate::error::Error;
use crate::secret::Secret;

/// What a store says when the key given does not open its key check.
pub const WRONG_KEY: &str = "the secret key does not match the one this store was written with";

/// The first byte of a sealed value: its format (XChaCha20-Poly1305, nonce, ciphertext and tag).
const FORMAT: u8 = 1;
const NONCE_BYTES: usize = 24;
/// What the key check seals.
const KEY_CHECK: &[u8] = b"appmarket secret key check v1";
const KEY_CHECK_AD: &[u8] = b"appmarket:key-check";
const SECRET_AD: &[u8] = b"appmarket:secret:";

/// A 32-byte key that seals an app's passwords at rest. The host keeps it (a secrets manager, a
/// key file readable by the service only); losing it loses the passwords. Its bytes are zeroed
/// when it is dropped, and `Debug` does not show them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl SecretKey {
    /// The key of 32 bytes.
    pub fn new(bytes: [u8; 32]) -> SecretKey {
        SecretKey(Zeroizing::new(bytes))
    }

    /// The key from a slice of 32 bytes; another length is [`Error::InvalidInput`].
    pub fn from_slice(bytes: &[u8]) -> Result<SecretKey, Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        if bytes.len() != key.len() {
            return Err(Error::invalid(
                "secret_key",
                format!(
                    "a secret key is 32 random bytes, not {}: generate one with a cryptographic generator",
                    bytes.len()
                ),
            ));
        }
        key.copy_from_slice(bytes);
        Ok(SecretKey(key))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Seals and opens passwords with one key. The cipher's copy of the key is zeroed on drop.
pub struct Sealer(XChaCha20Poly1305);

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(***)")
    }
}

fn storage(reason: impl Into<String>) -> Error {
    Error::Storage { reason: reason.into() }
}

impl Sealer {
    /// A sealer with `key`.
    pub fn new(key: &SecretKey) -> Sealer {
        Sealer(XChaCha20Poly1305::new(&(*key.0).into()))
    }

    fn seal_with(&self, ad: &[u8], text: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce = XNonce::try_generate().map_err(|e| storage(format!("no random nonce for a password: {e}")))?;
        let sealed = self
            .0
            .encrypt(&nonce, Payload { msg: text, aad: ad })
            .map_err(|_| storage("a password is too long to seal"))?;
        let mut out = Vec::with_capacity(1 + NONCE_BYTES + sealed.len());
        out.push(FORMAT);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open_with(&self, ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (&format, rest) = sealed.split_first()?;
        if format != FORMAT || rest.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, body) = rest.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.0.decrypt(&nonce, Payload { msg: body, aad: ad }).ok().map(Zeroizing::new)
    }

    fn secret_ad(app: &AppId) -> Vec<u8> {
        [SECRET_AD, app.as_str().as_bytes()].concat()
    }

    /// `secret` sealed for `app`: format byte, random nonce, ciphertext and tag.
    pub fn seal(&self, app: &AppId, secret: &Secret) -> Result<Vec<u8>, Error> {
        self.seal_with(&Sealer::secret_ad(app), secret.expose().as_bytes())
    }

    /// The password `sealed` holds for `app`; a value sealed with another key or for another
    /// app, or changed, is [`Error::Storage`].
    pub fn open(&self, app: &AppId, sealed: &[u8]) -> Result<Secret, Error> {
        let text = self.open_with(&Sealer::secret_ad(app), sealed).ok_or_else(|| {
            storage(format!(
                "the password of app {app} does not open with the secret key ({WRONG_KEY}, or it was changed)"
            ))
        })?;
        let text = String::from_utf8(text.to_vec())
            .map_err(|_| storage(format!("the password of app {app} is not text once opened")))?;
        Ok(Secret::new(text))
    }

    /// A new key check value: the known constant, sealed.
    pub fn key_check(&self) -> Result<Vec<u8>, Error> {
        self.seal_with(KEY_CHECK_AD, KEY_CHECK)
    }

    /// Whether `check` was made with this key.
    pub fn matches(&self, check: &[u8]) -> bool {
        self.open_with(KEY_CHECK_AD, check).is_some_and(|text| text.as_slice() == KEY_CHECK)
    }
}

/// A password as a store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredSecret {
    /// In plain text (a store opened without a key).
    Plain(String),
    /// Sealed ([`Sealer::seal`]).
    Sealed(Vec<u8>),
}

impl fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredSecret::Plain(_) => f.write_str("Plain(***)"),
            StoredSecret::Sealed(b) => write!(f, "Sealed({} bytes)", b.len()),
        }
    }
}

/// What a store does with its passwords as it opens, from its recorded key check and the keys
/// the host gave ([`Opening::decide`]).
#[derive(Debug)]
pub enum Opening {
    /// No key and no key check: passwords stay in plain text.
    Plain,
    /// The key opens the key check: passwords are sealed with it (any plain one left is sealed).
    Sealed(Sealer),
    /// A key, and no key check yet: record the check and seal the plain passwords.
    FirstKey(Sealer),
    /// The previous key opens the key check: seal every password again with the new key and
    /// record its check, in one transaction.
    Rotate {
        /// The key the passwords are sealed with now.
        previous: Sealer,
        /// The key they are sealed with from now on.
        current: Sealer,
    },
}

impl Opening {
    /// Decides from the store's key check (`None`: none recorded), the host's key and the
    /// previous key (rotation). A store with a key check opened without a key, or whose check
    /// neither key opens, is [`Error::Storage`]; a previous key without a key is
    /// [`Error::InvalidInput`].
    pub fn decide(
        check: Option<&[u8]>,
        key: Option<&SecretKey>,
        previous: Option<&SecretKey>,
    ) -> Result<Opening, Error> {
        let Some(key) = key else {
            if previous.is_some() {
                return Err(Error::invalid(
                    "previous_secret_key",
                    "a previous secret key rotates to a new one: give the new key as the secret key too",
                ));
            }
            return match check {
                None => Ok(Opening::Plain),
                Some(_) => Err(storage(
                    "this store's passwords are sealed with a secret key: open it with that key (secret_key)",
                )),
            };
        };
        let current = Sealer::new(key);
        let Some(check) = check else { return Ok(Opening::FirstKey(current)) };
        if current.matches(check) {
            return Ok(Opening::Sealed(current));
        }
        match previous.map(Sealer::new) {
            Some(previous) if previous.matches(check) => Ok(Opening::Rotate { previous, current }),
            _ => Err(storage(WRONG_KEY)),
        }
    }

    /// The key check to record, when it changes.
    pub fn new_key_check(&self) -> Result<Option<Vec<u8>>, Error> {
        match self {
            Opening::FirstKey(current) | Opening::Rotate { current, .. } => current.key_check().map(Some),
            Opening::Plain | Opening::Sealed(_) => Ok(None),
        }
    }

    /// The new form of a kept password, when this opening changes it: a plain one sealed, one
    /// sealed with the previous key sealed again with the new one.
    pub fn resealed(&self, app: &AppId, stored: &StoredSecret) -> Result<Option<Vec<u8>>, Error> {
        match (self, stored) {
            (Opening::Plain, _) | (Opening::Sealed(_) | Opening::FirstKey(_), StoredSecret::Sealed(_)) => Ok(None),
            (
                Opening::Sealed(s) | Opening::FirstKey(s) | Opening::Rotate { current: s, .. },
                StoredSecret::Plain(p),
            ) => s.seal(app, &Secret::new(p.as_str())).map(Some),
            (Opening::Rotate { previous, current }, StoredSecret::Sealed(b)) => {
                current.seal(app, &previous.open(app, b)?).map(Some)
            }
        }
    }

    /// How the store keeps passwords from now on.
    pub fn into_sealing(self) -> Sealing {
        match self {
            Opening::Plain => Sealing(None),
            Opening::Sealed(s) | Opening::FirstKey(s) | Opening::Rotate { current: s, .. } => Sealing(Some(s)),
        }
    }
}

/// How an open store keeps passwords: sealed with its key, or in plain text without one.
#[derive(Debug, Default)]
pub struct Sealing(Option<Sealer>);

impl Sealing {
    /// Whether passwords are sealed.
    pub fn is_sealed(&self) -> bool {
        self.0.is_some()
    }

    /// `secret` as the store keeps it.
    pub fn keep(&self, app: &AppId, secret: &Secret) -> Result<StoredSecret, Error> {
        match &self.0 {
            Some(sealer) => sealer.seal(app, secret).map(StoredSecret::Sealed),
            None => Ok(StoredSecret::Plain(secret.expose().to_owned())),
        }
    }

    /// The password a kept value holds. A sealed value in a store opened without a key is
    /// [`Error::Storage`].
    pub fn read(&self, app: &AppId, stored: StoredSecret) -> Result<Secret, Error> {
        match (stored, &self.0) {
            (StoredSecret::Plain(p), _) => Ok(Secret::new(p)),
            (StoredSecret::Sealed(b), Some(sealer)) => sealer.open(app, &b),
            (StoredSecret::Sealed(_), None) => Err(storage(format!(
                "the password of app {app} is sealed with a secret key, and this store was opened without one"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::new([b; 32])
    }

    fn app(id: &str) -> AppId {
        AppId::parse(id).unwrap()
    }

    #[test]
    fn a_sealed_password_opens_only_with_its_key_and_its_app() {
        let sealer = Sealer::new(&key(1));
        let sealed = sealer.seal(&app("app-1"), &Secret::new("Zq9#pw")).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"Zq9#pw"));
        assert_eq!(sealer.open(&app("app-1"), &sealed).unwrap().expose(), "Zq9#pw");
        assert_eq!(sealer.open(&app("app-2"), &sealed).unwrap_err().kind(), "storage");
        assert_eq!(Sealer::new(&key(2)).open(&app("app-1"), &sealed).unwrap_err().kind(), "storage");
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(sealer.open(&app("app-1"), &changed).unwrap_err().kind(), "storage");
        // A random nonce per value: the same password seals differently each time.
        assert_ne!(sealed, sealer.seal(&app("app-1"), &Secret::new("Zq9#pw")).unwrap());
    }

    #[test]
    fn a_key_is_32_bytes_and_never_shows() {
        assert_eq!(SecretKey::from_slice(&[0; 31]).unwrap_err().kind(), "invalid_input");
        assert!(SecretKey::from_slice(&[7; 32]).is_ok());
        assert_eq!(format!("{:?}", key(7)), "SecretKey(***)");
    }

    #[test]
    fn opening_follows_the_key_check() {
        let check = Sealer::new(&key(1)).key_check().unwrap();
        assert!(matches!(Opening::decide(None, None, None), Ok(Opening::Plain)));
        assert!(matches!(Opening::decide(None, Some(&key(1)), None), Ok(Opening::FirstKey(_))));
        assert!(matches!(Opening::decide(Some(&check), Some(&key(1)), None), Ok(Opening::Sealed(_))));
        let wrong = Opening::decide(Some(&check), Some(&key(2)), None).unwrap_err();
        assert_eq!(wrong, Error::Storage { reason: WRONG_KEY.into() });
        assert_eq!(Opening::decide(Some(&check), None, None).unwrap_err().kind(), "storage");
        assert!(matches!(Opening::decide(Some(&check), Some(&key(2)), Some(&key(1))), Ok(Opening::Rotate { .. })));
        assert_eq!(Opening::decide(None, None, Some(&key(1))).unwrap_err().kind(), "invalid_input");
    }

    #[test]
    fn rotation_seals_again_with_the_new_key() {
        let a = app("app-1");
        let old = Sealer::new(&key(1)).seal(&a, &Secret::new("pw")).unwrap();
        let check = Sealer::new(&key(1)).key_check().unwrap();
        let rotate = Opening::decide(Some(&check), Some(&key(2)), Some(&key(1))).unwrap();
        let new = rotate.resealed(&a, &StoredSecret::Sealed(old)).unwrap().unwrap();
        assert!(Sealer::new(&key(2)).matches(&rotate.new_key_check().unwrap().unwrap()));
        assert_eq!(rotate.into_sealing().read(&a, StoredSecret::Sealed(new)).unwrap().expose(), "pw");
    }
}
