//! Hashes behind the hashing converters (`sdbm djb2 wt6 crc32 crc32c xxh32 xxh64 xxh3 sha1
//! sha2`) and the hashing fetches (`base32`, `url32`): HAProxy's own functions (hash.c) written
//! out, the standard ones from crates (`crc32fast`, `xxhash-rust`, `sha1`, `sha2`).
//!
//! The 32-bit hashes are returned as `u32`; converters report them as non-negative integers,
//! as HAProxy does.

/// `hash_sdbm`, continuing from `hash` (base32 hashes the Host header then the path).
pub fn sdbm_from(mut hash: u32, data: &[u8]) -> u32 {
    for &c in data {
        hash = u32::from(c)
            .wrapping_add(hash << 6)
            .wrapping_add(hash << 16)
            .wrapping_sub(hash);
    }
    hash
}

pub fn sdbm(data: &[u8]) -> u32 {
    sdbm_from(0, data)
}

/// `hash_djb2`.
pub fn djb2(data: &[u8]) -> u32 {
    let mut hash: u32 = 5381;
    for &c in data {
        hash = (hash << 5).wrapping_add(hash).wrapping_add(u32::from(c));
    }
    hash
}

/// `hash_wt6` (Willy Tarreau's 6-rotation hash).
pub fn wt6(data: &[u8]) -> u32 {
    let (mut h0, mut h1): (u32, u32) = (0xa53c_965a, 0x5ca6_953a);
    let (mut step0, mut step1) = (6u32, 18u32);
    for &c in data {
        let t = u32::from(c);
        h0 = !(h0 ^ t);
        h1 = !(h1.wrapping_add(t));
        // C's `(h << s) | (h >> (32 - s))`: a rotation (x86 masks the shift when s is 0,
        // which gives `h | h`, the same as rotating by 0).
        let t = h1.rotate_left(step0);
        h1 = h0.rotate_left(step1);
        h0 = t;
        let t = ((h0 >> 16) ^ h1) & 0xffff;
        step0 = t & 0x1f;
        step1 = t >> 11;
    }
    h0 ^ h1
}

/// `hash_crc32`: the IEEE CRC-32 (zlib's).
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// `hash_crc32c`: CRC-32C (Castagnoli), reflected, as in RFC 3720.
pub fn crc32c(data: &[u8]) -> u32 {
    // Bitwise: the converter is rarely used and inputs are short.
    let mut crc: u32 = !0;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `full_hash`: Bob Jenkins' full-avalanche integer hash, then a multiplication by a prime
/// close to 3/4 of the range (what the `avalanche` argument of the hash converters applies).
pub fn full_hash(mut a: u32) -> u32 {
    a = a.wrapping_add(0x7ed5_5d16).wrapping_add(a << 12);
    a = (a ^ 0xc761_c23c) ^ (a >> 19);
    a = a.wrapping_add(0x1656_67b1).wrapping_add(a << 5);
    a = a.wrapping_add(0xd3a2_646c) ^ (a << 9);
    a = a.wrapping_add(0xfd70_46c5).wrapping_add(a << 3);
    a = (a ^ 0xb55a_4f09) ^ (a >> 16);
    a.wrapping_mul(3_221_225_473)
}

pub fn xxh32(data: &[u8], seed: u32) -> u32 {
    xxhash_rust::xxh32::xxh32(data, seed)
}

pub fn xxh64(data: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh64::xxh64(data, seed)
}

pub fn xxh3(data: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(data, seed)
}

pub fn sha1(data: &[u8]) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(data).to_vec()
}

/// `sha2(bits)`: SHA-224/256/384/512; `None` for another size (refused at parse time).
pub fn sha2(data: &[u8], bits: i64) -> Option<Vec<u8>> {
    use sha2::Digest;
    Some(match bits {
        224 => sha2::Sha224::digest(data).to_vec(),
        256 => sha2::Sha256::digest(data).to_vec(),
        384 => sha2::Sha384::digest(data).to_vec(),
        512 => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Values printed by haproxy 2.6 for `str(hello),<conv>`.
        assert_eq!(sdbm(b"hello"), 684_824_882);
        assert_eq!(djb2(b"hello"), 261_238_937);
        assert_eq!(wt6(b"hello"), 3_538_347_703);
        assert_eq!(full_hash(wt6(b"hello")), 140_457_739);
        assert_eq!(full_hash(djb2(b"hello")), 1_119_739_105);
        assert_eq!(full_hash(crc32(b"hello")), 3_902_247_103);
        assert_eq!(xxh32(b"hello", 5), 3_191_799_670);
        assert_eq!(
            xxh64(b"hello", -5i64 as u64) as i64,
            -3_341_626_973_624_974_851
        );
        assert_eq!(xxh3(b"hello", 0) as i64, -7_685_981_735_718_036_227);
        assert_eq!(crc32(b"hello"), 907_060_870);
        assert_eq!(crc32c(b"123456789"), 3_808_858_755);
        assert_eq!(xxh32(b"hello", 0), 4_211_111_929);
        assert_eq!(xxh64(b"hello", 0) as i64, 2_794_345_569_481_354_659);
        assert_eq!(full_hash(sdbm(b"hello")), 2_061_535_398);
        assert_eq!(sha1(b"abc").len(), 20);
        assert_eq!(sha2(b"abc", 384).map(|v| v.len()), Some(48));
        assert_eq!(sha2(b"abc", 100), None);
    }
}
