//! Secrets the application must read back — staff TOTP seeds — are sealed with AES-256-GCM under
//! a key kept outside the database (`MOTCUA_SECRET_KEY`, or the `secret.key` file of the data
//! directory). A copy of the database alone (a backup, a dump, a replica) then gives away nobody's
//! second factor. The row's owner is the associated data, so a sealed value copied onto another
//! person's row does not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair as _};

/// Marks a sealed value (and its format version) in a text column.
const PREFIX: &str = "v1:";

pub const KEY_LEN: usize = 32;

/// The deployment's secret key: it seals stored secrets and, through a key derived from it, signs
/// the audit chain's checkpoints (`audit_anchor`), so neither can be done by someone who can only
/// write to the database.
pub struct SealingKey(LessSafeKey, Ed25519KeyPair);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealingError {
    #[error("the key must be {KEY_LEN} bytes, written as {} hexadecimal digits", KEY_LEN * 2)]
    BadKey,
    #[error("the system random generator failed")]
    Random,
}

impl SealingKey {
    pub fn new(bytes: &[u8]) -> Result<Self, SealingError> {
        if bytes.len() != KEY_LEN {
            return Err(SealingError::BadKey);
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| SealingError::BadKey)?;
        // A separate key per use: the checkpoint key's seed is a hash of the secret under its
        // own label, so a signature never reveals anything about the sealing key.
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"motcua audit checkpoint signing key v1\0");
        ctx.update(bytes);
        let seed = ctx.finish();
        let signer =
            Ed25519KeyPair::from_seed_unchecked(seed.as_ref()).map_err(|_| SealingError::BadKey)?;
        Ok(Self(LessSafeKey::new(key), signer))
    }

    /// An Ed25519 signature of `message` by the deployment's checkpoint key.
    pub fn sign_checkpoint(&self, message: &[u8]) -> Vec<u8> {
        self.1.sign(message).as_ref().to_vec()
    }

    /// The checkpoint key's public half (32 bytes), published so anyone can check checkpoints.
    pub fn checkpoint_public_key(&self) -> Vec<u8> {
        self.1.public_key().as_ref().to_vec()
    }

    /// A key written as 64 hexadecimal digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, SealingError> {
        let bytes = hex::decode(text.trim()).map_err(|_| SealingError::BadKey)?;
        Self::new(&bytes)
    }

    /// New random key material, as hexadecimal digits (for a new `secret.key`).
    pub fn generate_hex() -> Result<String, SealingError> {
        let mut bytes = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SealingError::Random)?;
        Ok(hex::encode(bytes))
    }

    /// Seals `plaintext` for `owner`: `v1:` and base64 of nonce, ciphertext and tag.
    pub fn seal(&self, owner: &str, plaintext: &[u8]) -> Result<String, SealingError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealingError::Random)?;
        let mut data = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(owner.as_bytes()),
                &mut data,
            )
            .map_err(|_| SealingError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// The plaintext of a value sealed for `owner`; `None` when it was sealed for someone else,
    /// under another key, or altered.
    pub fn open(&self, owner: &str, stored: &str) -> Option<Vec<u8>> {
        let bytes = STANDARD.decode(stored.strip_prefix(PREFIX)?).ok()?;
        let (nonce, sealed) = bytes.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = sealed.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(owner.as_bytes()), &mut data)
            .ok()?;
        Some(plain.to_vec())
    }
}

/// Whether a stored value is sealed (rows written before sealing hold the plain value until the
/// next time it is used).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SealingKey {
        let Ok(k) = SealingKey::from_hex(&"11".repeat(KEY_LEN)) else {
            panic!("key")
        };
        k
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_owner_under_its_key_and_unaltered() {
        let k = key();
        let Ok(sealed) = k.seal("leader@H31.11341", b"JBSWY3DPEHPK3PXP") else {
            panic!("seal")
        };
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(
            k.open("leader@H31.11341", &sealed).as_deref(),
            Some(&b"JBSWY3DPEHPK3PXP"[..])
        );
        assert_eq!(k.open("clerk@H31.11341", &sealed), None, "another row");
        let Ok(other) = SealingKey::from_hex(&"22".repeat(KEY_LEN)) else {
            panic!("key")
        };
        assert_eq!(other.open("leader@H31.11341", &sealed), None, "another key");
        let mut altered: Vec<char> = sealed.chars().collect();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == 'A' { 'B' } else { 'A' };
        let altered: String = altered.into_iter().collect();
        assert_eq!(k.open("leader@H31.11341", &altered), None, "altered");
        assert_eq!(k.open("leader@H31.11341", "JBSWY3DPEHPK3PXP"), None);
        // Two seals of the same secret differ (fresh nonce each time).
        assert_ne!(k.seal("a", b"x").ok(), k.seal("a", b"x").ok());
    }

    #[test]
    fn keys_are_32_bytes_of_hex() {
        assert_eq!(
            SealingKey::from_hex("abcd").err(),
            Some(SealingError::BadKey)
        );
        assert_eq!(
            SealingKey::from_hex(&"zz".repeat(KEY_LEN)).err(),
            Some(SealingError::BadKey)
        );
        let Ok(fresh) = SealingKey::generate_hex() else {
            panic!("random")
        };
        assert_eq!(fresh.len(), 64);
        assert!(SealingKey::from_hex(&format!("{fresh}\n")).is_ok());
    }
}
