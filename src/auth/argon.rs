//! argon2 with memory that hash threads keep: a login flood then costs no page faults and no
//! allocator growth, and memory stays at one 19 MiB block per hash thread.

use std::cell::{Cell, RefCell};

use argon2::password_hash::phc::{Output, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version, ARGON2ID_IDENT};
use rand::RngCore;

thread_local! {
    static KEEPS_MEMORY: Cell<bool> = const { Cell::new(false) };
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Called by the hash threads: their argon2 memory is allocated once and
/// reused. Other threads (start-up, the CLI) allocate per hash and free it.
pub fn keep_memory_on_this_thread() {
    KEEPS_MEMORY.with(|keeps| keeps.set(true));
}

/// Gives a hash thread's memory back (after a quiet spell), so RSS returns to
/// its idle size once a flood of logins is over.
pub fn release_memory() {
    MEMORY.with(|memory| *memory.borrow_mut() = Vec::new());
}

/// A new argon2id PHC string with today's parameters and a random salt.
pub fn hash(password: &[u8]) -> Result<String, argon2::Error> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, password, &salt, &mut out)?;
    let phc = PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        // Default parameters always render; a failure here is a bug in the crate.
        params: (&params)
            .try_into()
            .map_err(|_| argon2::Error::AlgorithmInvalid)?,
        salt: Some(Salt::new(&salt).map_err(|_| argon2::Error::SaltTooShort)?),
        hash: Some(Output::new(&out).map_err(|_| argon2::Error::OutputTooShort)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a parsed argon2 (i, d or id) PHC hash; the
/// comparison is constant-time.
pub fn verify(password: &[u8], stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let version = stored.version.map_or(Ok(Version::V0x13), Version::try_from);
    let (Ok(version), Ok(params)) = (version, Params::try_from(stored)) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    compute(&argon2, password, salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|computed| &computed == expected)
}

fn compute(
    argon2: &Argon2,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let needed = argon2.params().block_count();
    if !KEEPS_MEMORY.with(Cell::get) {
        let memory = vec![Block::default(); needed];
        return argon2.hash_password_into_with_memory(password, salt, out, memory);
    }
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < needed {
            memory.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..needed])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn our_hashes_verify_with_the_argon2_crate_and_its_hashes_with_ours() {
        let ours = hash(b"correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());

        let theirs = Argon2::default()
            .hash_password(b"battery staple")
            .unwrap()
            .to_string();
        let theirs = PasswordHash::new(&theirs).unwrap();
        assert!(verify(b"battery staple", &theirs));
        assert!(!verify(b"battery stapler", &theirs));
    }

    #[test]
    fn reused_memory_gives_the_same_answers() {
        let stored = hash(b"pw-one-two").unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        std::thread::spawn(move || {
            keep_memory_on_this_thread();
            for _ in 0..3 {
                assert!(verify(b"pw-one-two", &parsed));
                assert!(!verify(b"pw-one-three", &parsed));
            }
        })
        .join()
        .unwrap();
    }
}
