//! Pattern files and map files, shared by the whole process (HAProxy's `pat_ref` and
//! `pattern_expr`).
//!
//! A file is read once per name, the name being the path as written in the configuration or
//! given to Lua's `Map.new` (`PatRef`: its lines, raw, in file order). Each way of matching it
//! (an ACL's method and `-i`, a map converter's method and output type, a Lua `Map`) compiles
//! it into a `PatExpr`, shared by every user that matches the same way. `core.add_acl`,
//! `del_acl`, `set_map` and `del_map` change the raw lines and every live compiled form
//! together, so every worker thread sees the change at once.
//!
//! Locks: a change holds the ref's mutex and takes each expression's write lock in turn; a
//! lookup takes only its expression's read lock. Neither is ever held across an await.
//!
//! Matching follows pattern.c: exact strings, prefixes (`beg`, longest prefix wins) and IP
//! networks (longest prefix wins, IPv4 looked up in the IPv6 entries as `::ffff:a.b.c.d` and
//! mapped IPv6 in the IPv4 ones) are indexed; the other methods scan the entries in file
//! order and the first match wins. Among equal keys, the earliest entry wins.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock, Weak};

use bytes::Bytes;
use ipnet::IpNet;

use super::pattern::{MatchMethod, Pattern, PatternSet};
use super::value::{Sample, read_int64};

/// The type of a map's values (the converter's output type); ACL expressions have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapOut {
    Str,
    Int,
    Ip,
}

impl MapOut {
    /// `map_parse_str`/`map_parse_int`/`map_parse_ip`.
    pub fn parse(self, text: &[u8]) -> Option<Sample> {
        match self {
            MapOut::Str => Some(Sample::Str(Bytes::copy_from_slice(text))),
            MapOut::Int => {
                let (v, n) = read_int64(text);
                (n == text.len()).then_some(Sample::Sint(v))
            }
            MapOut::Ip => {
                let t = std::str::from_utf8(text).ok()?;
                if let Ok(a) = t.parse::<Ipv4Addr>() {
                    Some(Sample::Ipv4(a))
                } else {
                    t.parse::<Ipv6Addr>().ok().map(Sample::Ipv6)
                }
            }
        }
    }
}

/// How an expression matches: the method, `-i`, and the value type for maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExprKind {
    pub method: MatchMethod,
    pub ignore_case: bool,
    pub out: Option<MapOut>,
}

/// One line of a file, or an entry added at run time (`line` 0).
#[derive(Clone, Debug)]
struct Entry {
    id: u64,
    line: usize,
    key: Bytes,
    value: Option<Bytes>,
}

/// A file's entries (HAProxy's `pat_ref`), known by its name.
pub struct PatRef {
    name: String,
    /// Loaded as a map (key and value) rather than as an ACL pattern file.
    two_columns: bool,
    state: Mutex<RefState>,
}

struct RefState {
    entries: Vec<Entry>,
    next_id: u64,
    exprs: Vec<Weak<PatExpr>>,
    /// Expressions whose compilation failed. HAProxy leaves them attached to their file
    /// forever, so every later addition must parse for them too (a failed `Map.new(f,
    /// Map._int)` makes `set_map(f, "word", v)` a no-op): kept alive here for that.
    failed: Vec<Arc<PatExpr>>,
}

impl std::fmt::Debug for PatRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PatRef({})", self.name)
    }
}

/// A file compiled for one way of matching.
pub struct PatExpr {
    kind: ExprKind,
    /// An empty pattern set with this method and case flag: it parses keys and matches the
    /// listed (non-indexed) entries exactly like inline ACL patterns.
    matcher: PatternSet,
    index: RwLock<Index>,
}

impl std::fmt::Debug for PatExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PatExpr({:?})", self.kind)
    }
}

/// One compiled entry: the entry it comes from and its parsed value.
#[derive(Clone, Debug)]
struct Slot {
    id: u64,
    value: Option<Sample>,
}

/// Entries by key, each bucket in entry order; `lens` counts the keys of each length (the
/// prefix lengths for longest-match lookups).
struct Buckets<K> {
    map: HashMap<K, Vec<Slot>>,
    lens: BTreeMap<usize, usize>,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new() -> Self {
        Buckets {
            map: HashMap::new(),
            lens: BTreeMap::new(),
        }
    }

    fn insert(&mut self, k: K, len: usize, slot: Slot) {
        let bucket = self.map.entry(k).or_default();
        // Ids grow, but a rebuilt entry keeps its old id: keep the bucket in entry order.
        let at = bucket.partition_point(|s| s.id < slot.id);
        bucket.insert(at, slot);
        *self.lens.entry(len).or_default() += 1;
    }

    fn remove(&mut self, k: &K, len: usize, id: u64) {
        let Some(bucket) = self.map.get_mut(k) else {
            return;
        };
        let before = bucket.len();
        bucket.retain(|s| s.id != id);
        if bucket.len() < before
            && let Some(n) = self.lens.get_mut(&len)
        {
            *n -= 1;
            if *n == 0 {
                self.lens.remove(&len);
            }
        }
        if bucket.is_empty() {
            self.map.remove(k);
        }
    }

    fn slot_mut(&mut self, k: &K, id: u64) -> Option<&mut Slot> {
        self.map.get_mut(k)?.iter_mut().find(|s| s.id == id)
    }

    fn first<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<&Slot>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.map.get(k)?.first()
    }
}

/// A parsed key, as the index stores it.
enum Key {
    Exact(Vec<u8>),
    Prefix(Vec<u8>),
    V4(u32, u8),
    V6(u128, u8),
    Listed(Pattern),
}

enum Index {
    Exact(Buckets<Vec<u8>>),
    Prefix(Buckets<Vec<u8>>),
    Ip {
        v4: Buckets<(u32, u8)>,
        v6: Buckets<(u128, u8)>,
    },
    List(Vec<(Pattern, Slot)>),
}

fn mask4(addr: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        addr & (u32::MAX << (32 - u32::from(len)))
    }
}

fn mask6(addr: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        addr & (u128::MAX << (128 - u32::from(len)))
    }
}

impl Index {
    fn new(method: MatchMethod) -> Index {
        match method {
            MatchMethod::Str => Index::Exact(Buckets::new()),
            MatchMethod::Beg => Index::Prefix(Buckets::new()),
            MatchMethod::Ip => Index::Ip {
                v4: Buckets::new(),
                v6: Buckets::new(),
            },
            _ => Index::List(Vec::new()),
        }
    }

    fn insert(&mut self, key: Key, slot: Slot) {
        match (self, key) {
            (Index::Exact(b), Key::Exact(k)) => b.insert(k, 0, slot),
            (Index::Prefix(b), Key::Prefix(k)) => {
                let len = k.len();
                b.insert(k, len, slot)
            }
            (Index::Ip { v4, .. }, Key::V4(a, l)) => v4.insert((a, l), l as usize, slot),
            (Index::Ip { v6, .. }, Key::V6(a, l)) => v6.insert((a, l), l as usize, slot),
            (Index::List(list), Key::Listed(p)) => {
                let at = list.partition_point(|(_, s)| s.id < slot.id);
                list.insert(at, (p, slot));
            }
            // `parse_key` makes the key kind of the expression's method.
            _ => {}
        }
    }

    fn remove(&mut self, key: &Key, id: u64) {
        match (self, key) {
            (Index::Exact(b), Key::Exact(k)) => b.remove(k, 0, id),
            (Index::Prefix(b), Key::Prefix(k)) => b.remove(k, k.len(), id),
            (Index::Ip { v4, .. }, Key::V4(a, l)) => v4.remove(&(*a, *l), *l as usize, id),
            (Index::Ip { v6, .. }, Key::V6(a, l)) => v6.remove(&(*a, *l), *l as usize, id),
            (Index::List(list), Key::Listed(_)) => list.retain(|(_, s)| s.id != id),
            _ => {}
        }
    }

    fn slot_mut(&mut self, key: &Key, id: u64) -> Option<&mut Slot> {
        match (self, key) {
            (Index::Exact(b), Key::Exact(k)) | (Index::Prefix(b), Key::Prefix(k)) => {
                b.slot_mut(k, id)
            }
            (Index::Ip { v4, .. }, Key::V4(a, l)) => v4.slot_mut(&(*a, *l), id),
            (Index::Ip { v6, .. }, Key::V6(a, l)) => v6.slot_mut(&(*a, *l), id),
            (Index::List(list), Key::Listed(_)) => {
                list.iter_mut().map(|(_, s)| s).find(|s| s.id == id)
            }
            _ => None,
        }
    }
}

fn lower_if(ic: bool, b: &[u8]) -> Vec<u8> {
    if ic {
        b.to_ascii_lowercase()
    } else {
        b.to_vec()
    }
}

impl PatExpr {
    fn new(kind: ExprKind) -> PatExpr {
        PatExpr {
            kind,
            matcher: PatternSet::new(kind.method, kind.ignore_case),
            index: RwLock::new(Index::new(kind.method)),
        }
    }

    pub fn kind(&self) -> ExprKind {
        self.kind
    }

    fn parse_key(&self, key: &[u8]) -> Result<Key, String> {
        let text = String::from_utf8_lossy(key);
        let p = self.matcher.parse_one(&text)?;
        let ic = self.kind.ignore_case;
        Ok(match (self.kind.method, p) {
            (MatchMethod::Str, Pattern::Str(s)) => Key::Exact(lower_if(ic, &s)),
            (MatchMethod::Beg, Pattern::Str(s)) => Key::Prefix(lower_if(ic, &s)),
            (MatchMethod::Ip, Pattern::Net(IpNet::V4(n))) => {
                Key::V4(u32::from(n.network()), n.prefix_len())
            }
            (MatchMethod::Ip, Pattern::Net(IpNet::V6(n))) => {
                Key::V6(u128::from(n.network()), n.prefix_len())
            }
            (_, p) => Key::Listed(p),
        })
    }

    fn parse_value(&self, value: Option<&Bytes>) -> Result<Option<Sample>, String> {
        match (self.kind.out, value) {
            (Some(out), Some(v)) => out
                .parse(v)
                .map(Some)
                .ok_or_else(|| format!("unable to parse '{}'", String::from_utf8_lossy(v))),
            _ => Ok(None),
        }
    }

    /// Parses an entry for this expression (key and value), without adding it.
    fn prepare(&self, e: &Entry) -> Result<(Key, Slot), String> {
        let key = self.parse_key(&e.key)?;
        let value = self.parse_value(e.value.as_ref())?;
        Ok((key, Slot { id: e.id, value }))
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        // A panic elsewhere cannot leave an index half-updated in a way lookups would notice.
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry the sample matches, cast first to the type the method works on: `None` when
    /// nothing matches, `Some(None)` for an entry without a value (added by `add_acl`).
    pub fn lookup(&self, smp: Sample) -> Option<Option<Sample>> {
        let v = smp.cast(self.kind.method.expect_type())?;
        self.lookup_cast(&v)
    }

    /// `lookup` for a sample already of the method's type.
    pub fn lookup_cast(&self, v: &Sample) -> Option<Option<Sample>> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let ic = self.kind.ignore_case;
        let slot =
            match (&*index, v) {
                (Index::Exact(b), Sample::Str(s)) => {
                    if ic {
                        b.first(&s.to_ascii_lowercase())
                    } else {
                        b.first(&s.to_vec())
                    }
                }
                (Index::Prefix(b), Sample::Str(s)) => {
                    let s: std::borrow::Cow<'_, [u8]> = if ic {
                        s.to_ascii_lowercase().into()
                    } else {
                        (&s[..]).into()
                    };
                    b.lens
                        .keys()
                        .rev()
                        .filter(|&&l| l <= s.len())
                        .find_map(|&l| b.first(&s[..l]))
                }
                (Index::Ip { v4, v6 }, Sample::Ipv4(a)) => longest4(v4, u32::from(*a))
                    .or_else(|| longest6(v6, u128::from(a.to_ipv6_mapped()))),
                (Index::Ip { v4, v6 }, Sample::Ipv6(a)) => longest6(v6, u128::from(*a))
                    .or_else(|| v4_of_v6(a).and_then(|a4| longest4(v4, a4))),
                (Index::List(list), v) => list
                    .iter()
                    .find(|(p, _)| self.matcher.match_one(v, p))
                    .map(|(_, s)| s),
                _ => None,
            };
        slot.map(|s| s.value.clone())
    }

    /// `map_regm`: the first regex entry matching `s`, with its value's `\N` references
    /// replaced by the groups (`exp_replace`); `Some(None)` for an entry without a value, and
    /// `Some(Some(None))` when the replacement fails (a trailing backslash, or a result that
    /// would not fit HAProxy's 16384-byte buffer).
    pub fn lookup_regm(&self, s: &[u8]) -> Option<Option<Option<Bytes>>> {
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let Index::List(list) = &*index else {
            return None;
        };
        list.iter().find_map(|(p, slot)| {
            let Pattern::Reg(re) = p else {
                return None;
            };
            let caps = re.captures(s)?;
            Some(slot.value.as_ref().map(|v| {
                let template = match v {
                    Sample::Str(t) => t.clone(),
                    _ => Bytes::new(),
                };
                exp_replace(s, &template, &caps).map(Bytes::from)
            }))
        })
    }

    /// Whether the sample (already of the method's type) matches an entry.
    pub fn matches_cast(&self, v: &Sample) -> bool {
        self.lookup_cast(v).is_some()
    }
}

/// HAProxy's `exp_replace`: `\0`..`\9` insert a group (nothing if it did not match), `\xHH`
/// a byte, `\` before anything else that character; `None` for a trailing backslash or a
/// result of 16384 bytes or more (its trash buffer).
fn exp_replace(src: &[u8], template: &[u8], caps: &regex::bytes::Captures<'_>) -> Option<Vec<u8>> {
    const TRASH_SIZE: usize = 16384;
    let mut out = Vec::new();
    let mut i = 0;
    while i < template.len() {
        let c = template[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
        } else {
            let &e = template.get(i)?;
            i += 1;
            if e.is_ascii_digit() {
                if let Some(m) = caps.get(usize::from(e - b'0')) {
                    out.extend_from_slice(&src[m.range()]);
                }
            } else if e == b'x' {
                // Two characters read as hex digits the C way (no validation).
                let h1 = *template.get(i)?;
                let h2 = *template.get(i + 1)?;
                i += 2;
                let nib = |h: u8| {
                    let v = h.to_ascii_uppercase().wrapping_sub(b'0');
                    if v > 9 {
                        v.wrapping_sub(b'A' - b'9' - 1)
                    } else {
                        v
                    }
                };
                out.push((nib(h1) << 4).wrapping_add(nib(h2)));
            } else {
                out.push(e);
            }
        }
        if out.len() >= TRASH_SIZE {
            return None;
        }
    }
    Some(out)
}

fn longest4(b: &Buckets<(u32, u8)>, a: u32) -> Option<&Slot> {
    b.lens
        .keys()
        .rev()
        .find_map(|&l| b.first(&(mask4(a, l as u8), l as u8)))
}

fn longest6(b: &Buckets<(u128, u8)>, a: u128) -> Option<&Slot> {
    b.lens
        .keys()
        .rev()
        .find_map(|&l| b.first(&(mask6(a, l as u8), l as u8)))
}

/// pat_match_ip's IPv6 → IPv4 forms: `::ffff:a.b.c.d`, `::a.b.c.d`, and 6to4 `2002:AABB:CCDD::`.
fn v4_of_v6(a: &Ipv6Addr) -> Option<u32> {
    let o = a.octets();
    let head_zero = o[..8].iter().all(|&b| b == 0);
    let mid = &o[8..12];
    if head_zero && (mid == [0, 0, 0, 0] || mid == [0, 0, 0xff, 0xff]) {
        Some(u32::from_be_bytes([o[12], o[13], o[14], o[15]]))
    } else if o[0] == 0x20 && o[1] == 0x02 {
        Some(u32::from_be_bytes([o[2], o[3], o[4], o[5]]))
    } else {
        None
    }
}

impl PatRef {
    pub fn name(&self) -> &str {
        &self.name
    }

    fn lock(&self) -> MutexGuard<'_, RefState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The expression matching this file the `kind` way, compiled on first use and shared.
    pub fn expr(&self, kind: ExprKind) -> Result<Arc<PatExpr>, String> {
        let mut st = self.lock();
        st.exprs.retain(|w| w.strong_count() > 0);
        if let Some(e) = st
            .exprs
            .iter()
            .filter_map(Weak::upgrade)
            .find(|e| e.kind == kind)
        {
            return Ok(e);
        }
        let expr = Arc::new(PatExpr::new(kind));
        st.exprs.push(Arc::downgrade(&expr));
        let mut failure = None;
        {
            let mut index = expr.write();
            for e in &st.entries {
                match expr.prepare(e) {
                    Ok((key, slot)) => index.insert(key, slot),
                    Err(msg) if e.line > 0 => {
                        failure = Some(format!("{msg} at line {} of file '{}'", e.line, self.name));
                        break;
                    }
                    Err(msg) => {
                        failure = Some(msg);
                        break;
                    }
                }
            }
        }
        match failure {
            Some(msg) => {
                st.failed.push(expr);
                Err(msg)
            }
            None => Ok(expr),
        }
    }

    fn live_exprs(st: &RefState) -> Vec<Arc<PatExpr>> {
        st.exprs.iter().filter_map(Weak::upgrade).collect()
    }

    /// `pat_ref_add`: a new entry, parsed by every expression first; if one refuses it,
    /// nothing changes and its message is returned.
    pub fn add(&self, key: &[u8], value: Option<&[u8]>) -> Result<(), String> {
        let mut st = self.lock();
        Self::add_locked(&mut st, key, value)
    }

    fn add_locked(st: &mut RefState, key: &[u8], value: Option<&[u8]>) -> Result<(), String> {
        let entry = Entry {
            id: st.next_id,
            line: 0,
            key: Bytes::copy_from_slice(key),
            value: value.map(Bytes::copy_from_slice),
        };
        let exprs = Self::live_exprs(st);
        let mut prepared = Vec::with_capacity(exprs.len());
        for e in &exprs {
            prepared.push(e.prepare(&entry)?);
        }
        for (e, (k, slot)) in exprs.iter().zip(prepared) {
            e.write().insert(k, slot);
        }
        st.next_id += 1;
        st.entries.push(entry);
        Ok(())
    }

    /// `core.add_acl`: adds the key unless an entry already has it.
    pub fn add_acl(&self, key: &[u8]) {
        let mut st = self.lock();
        if !st.entries.iter().any(|e| e.key == key) {
            // HAProxy ignores a key an expression cannot parse.
            let _ = Self::add_locked(&mut st, key, None);
        }
    }

    /// `core.set_map`: every entry with this key gets the value, or a new entry is added.
    /// A value some expression cannot parse changes nothing (`pat_ref_set_elt`); neither does
    /// a new key some expression cannot parse.
    pub fn set_map(&self, key: &[u8], value: &[u8]) {
        let mut st = self.lock();
        if !st.entries.iter().any(|e| e.key == key) {
            let _ = Self::add_locked(&mut st, key, Some(value));
            return;
        }
        let exprs = Self::live_exprs(&st);
        let value = Bytes::copy_from_slice(value);
        let mut parsed = Vec::with_capacity(exprs.len());
        for e in &exprs {
            match e.parse_value(Some(&value)) {
                Ok(v) => parsed.push(v),
                Err(_) => return,
            }
        }
        for entry in st.entries.iter_mut().filter(|e| e.key == key) {
            entry.value = Some(value.clone());
            for (e, v) in exprs.iter().zip(&parsed) {
                let Ok(k) = e.parse_key(&entry.key) else {
                    continue;
                };
                if let Some(slot) = e.write().slot_mut(&k, entry.id) {
                    slot.value = v.clone();
                }
            }
        }
    }

    /// `pat_ref_delete`: removes every entry with this key; whether there was one.
    pub fn delete(&self, key: &[u8]) -> bool {
        let mut st = self.lock();
        let exprs = Self::live_exprs(&st);
        let mut found = false;
        for entry in st.entries.iter().filter(|e| e.key == key) {
            found = true;
            for e in &exprs {
                if let Ok(k) = e.parse_key(&entry.key) {
                    e.write().remove(&k, entry.id);
                }
            }
        }
        st.entries.retain(|e| e.key != key);
        found
    }

    /// The entries (key, value) in order, for tests and diagnostics.
    pub fn entries(&self) -> Vec<(Bytes, Option<Bytes>)> {
        self.lock()
            .entries
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }
}

/// `pat_ref_read_from_file`: one pattern per line; `#` in the first column makes a comment,
/// leading blanks are skipped, the pattern runs to the end of the line (trailing blanks kept).
fn read_one_column(data: &[u8]) -> Vec<(usize, Bytes, Option<Bytes>)> {
    let mut out = Vec::new();
    for (n, raw) in data.split(|&c| c == b'\n').enumerate() {
        if raw.first() == Some(&b'#') {
            continue;
        }
        let start = raw
            .iter()
            .position(|c| !matches!(c, b' ' | b'\t'))
            .unwrap_or(raw.len());
        let end = raw[start..]
            .iter()
            .position(|&c| c == b'\r')
            .map_or(raw.len(), |p| start + p);
        if end > start {
            out.push((n + 1, Bytes::copy_from_slice(&raw[start..end]), None));
        }
    }
    out
}

/// `pat_ref_read_from_file_smp`: a key (up to the first blank), blanks, then the value up to
/// the end of the line, trailing blanks removed (an absent value is empty).
fn read_two_columns(data: &[u8]) -> Vec<(usize, Bytes, Option<Bytes>)> {
    let blank = |c: &u8| matches!(c, b' ' | b'\t');
    let mut out = Vec::new();
    for (n, raw) in data.split(|&c| c == b'\n').enumerate() {
        if raw.first() == Some(&b'#') {
            continue;
        }
        let line = match raw.iter().position(|&c| c == b'\r') {
            Some(p) => &raw[..p],
            None => raw,
        };
        let start = line.iter().position(|c| !blank(c)).unwrap_or(line.len());
        let line = &line[start..];
        if line.is_empty() {
            continue;
        }
        let key_end = line.iter().position(blank).unwrap_or(line.len());
        let rest = &line[key_end..];
        let vstart = rest.iter().position(|c| !blank(c)).unwrap_or(rest.len());
        let vend = rest
            .iter()
            .rposition(|c| !blank(c))
            .map_or(vstart, |p| p + 1);
        out.push((
            n + 1,
            Bytes::copy_from_slice(&line[..key_end]),
            Some(Bytes::copy_from_slice(&rest[vstart..vend.max(vstart)])),
        ));
    }
    out
}

/// Every pattern and map file of the process, by name.
#[derive(Default)]
pub struct PatStore {
    refs: Mutex<HashMap<String, Arc<PatRef>>>,
}

static GLOBAL: LazyLock<PatStore> = LazyLock::new(PatStore::default);

impl PatStore {
    /// The process's store: the configuration's ACL files and map converters, Lua's `Map`
    /// objects and `core.*_acl`/`*_map` all use this one, from every worker thread.
    pub fn global() -> &'static PatStore {
        &GLOBAL
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<PatRef>>> {
        self.refs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A file already loaded under this name.
    pub fn get(&self, name: &str) -> Option<Arc<PatRef>> {
        self.lock().get(name).cloned()
    }

    /// The file under this name, read on first use (`pattern_read_from_file`): as a map when
    /// `two_columns`, else as a pattern file. A name keeps the form it was first read in.
    pub fn load(&self, name: &str, two_columns: bool) -> Result<Arc<PatRef>, String> {
        let mut refs = self.lock();
        if let Some(r) = refs.get(name) {
            return match (r.two_columns, two_columns) {
                (false, true) => Err(format!(
                    "The file \"{name}\" is already used as one column file and cannot be used by as two column file."
                )),
                (true, false) => Err(format!(
                    "The file \"{name}\" is already used as two column file and cannot be used by as one column file."
                )),
                _ => Ok(r.clone()),
            };
        }
        let data =
            std::fs::read(name).map_err(|_| format!("failed to open pattern file <{name}>"))?;
        let lines = if two_columns {
            read_two_columns(&data)
        } else {
            read_one_column(&data)
        };
        let entries: Vec<Entry> = lines
            .into_iter()
            .enumerate()
            .map(|(i, (line, key, value))| Entry {
                id: i as u64,
                line,
                key,
                value,
            })
            .collect();
        let r = Arc::new(PatRef {
            name: name.to_string(),
            two_columns,
            state: Mutex::new(RefState {
                next_id: entries.len() as u64,
                entries,
                exprs: Vec::new(),
                failed: Vec::new(),
            }),
        });
        refs.insert(name.to_string(), r.clone());
        Ok(r)
    }

    /// The expression for a file: loaded as a map when `kind.out` is set.
    pub fn expr(&self, name: &str, kind: ExprKind) -> Result<Arc<PatExpr>, String> {
        self.load(name, kind.out.is_some())?.expr(kind)
    }

    /// `expr` without reading any file (at run time, where a read would block a worker): a
    /// file not loaded yet is HAProxy's "cannot load map at runtime".
    pub fn expr_loaded(&self, name: &str, kind: ExprKind) -> Result<Arc<PatExpr>, String> {
        if self.get(name).is_none() {
            return Err("map: cannot load map at runtime".into());
        }
        self.expr(name, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn dir(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("halo-patfile-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    fn file(d: &Dir, name: &str, text: &str) -> String {
        let p = d.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn map(method: MatchMethod, out: MapOut) -> ExprKind {
        ExprKind {
            method,
            ignore_case: false,
            out: Some(out),
        }
    }

    fn s(x: &str) -> Sample {
        Sample::str(x.to_string())
    }

    fn look(e: &PatExpr, x: Sample) -> Option<String> {
        e.lookup(x).map(|v| match v {
            Some(v) => String::from_utf8(v.to_str_form().unwrap().to_vec()).unwrap(),
            None => "<none>".into(),
        })
    }

    // The expected results below were checked against haproxy 2.6 (Lua `Map` and converters).
    const M: &str = "a 1\n  b   two words  \n#c 3\n\nab 4\nabc 5\na 6\nx\n";

    #[test]
    fn file_forms() {
        assert_eq!(
            read_two_columns(M.as_bytes())
                .into_iter()
                .map(|(n, k, v)| format!(
                    "{n}:{}={}",
                    String::from_utf8_lossy(&k),
                    String::from_utf8_lossy(&v.unwrap())
                ))
                .collect::<Vec<_>>(),
            [
                "1:a=1",
                "2:b=two words",
                "5:ab=4",
                "6:abc=5",
                "7:a=6",
                "8:x="
            ]
        );
        assert_eq!(read_one_column(b"/a\n  /b  \n#/c\n\n /d\r\n").len(), 3);
    }

    #[test]
    fn string_methods() {
        let store = PatStore::default();
        let d = dir("str");
        let f = file(&d, "m.map", M);
        let e = |m| store.expr(&f, map(m, MapOut::Str)).unwrap();
        let str_ = e(MatchMethod::Str);
        assert_eq!(look(&str_, s("a")).as_deref(), Some("1"));
        assert_eq!(look(&str_, s("b")).as_deref(), Some("two words"));
        assert_eq!(look(&str_, s("x")).as_deref(), Some(""));
        assert_eq!(look(&str_, s("zz")), None);
        let beg = e(MatchMethod::Beg);
        assert_eq!(look(&beg, s("abcd")).as_deref(), Some("5"));
        assert_eq!(look(&beg, s("abd")).as_deref(), Some("4"));
        assert_eq!(look(&e(MatchMethod::Sub), s("zabcz")).as_deref(), Some("1"));
        assert_eq!(
            look(&e(MatchMethod::End), s("zab")).as_deref(),
            Some("two words")
        );
        assert_eq!(look(&e(MatchMethod::Reg), s("zab")).as_deref(), Some("1"));
        assert_eq!(
            look(&e(MatchMethod::Dom), s("www.ab.com")).as_deref(),
            Some("4")
        );
        assert_eq!(
            look(&e(MatchMethod::Dir), s("/x/abc/y")).as_deref(),
            Some("5")
        );
        // The same way of matching shares one compiled expression.
        assert!(Arc::ptr_eq(&str_, &e(MatchMethod::Str)));
    }

    #[test]
    fn ints_and_ips() {
        let store = PatStore::default();
        let d = dir("ip");
        let ip = file(
            &d,
            "ip.map",
            "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n::1 lo6\n127.0.0.1 lo\n",
        );
        let e = store.expr(&ip, map(MatchMethod::Ip, MapOut::Str)).unwrap();
        assert_eq!(look(&e, s("10.1.2.3")).as_deref(), Some("ten-one"));
        assert_eq!(look(&e, s("10.2.2.3")).as_deref(), Some("ten"));
        assert_eq!(look(&e, s("::1")).as_deref(), Some("lo6"));
        assert_eq!(look(&e, s("::ffff:127.0.0.1")).as_deref(), Some("lo"));
        assert_eq!(look(&e, s("nope")), None);
        let int = file(&d, "int.map", "1 one\n5 five\n10:20 range\n");
        let e = store
            .expr(&int, map(MatchMethod::Int, MapOut::Str))
            .unwrap();
        assert_eq!(look(&e, Sample::Sint(15)).as_deref(), Some("range"));
        assert_eq!(look(&e, s("1")).as_deref(), Some("one"));
        let e = store.expr(&int, map(MatchMethod::Int, MapOut::Int));
        assert_eq!(
            e.unwrap_err(),
            format!("unable to parse 'one' at line 1 of file '{int}'")
        );
        let m = file(&d, "m.map", M);
        assert_eq!(
            store
                .expr(&m, map(MatchMethod::Int, MapOut::Str))
                .unwrap_err(),
            format!("'a' is not a number at line 1 of file '{m}'")
        );
    }

    #[test]
    fn live_updates() {
        let store = PatStore::default();
        let d = dir("upd");
        let f = file(&d, "m.map", M);
        let str_ = store.expr(&f, map(MatchMethod::Str, MapOut::Str)).unwrap();
        let beg = store.expr(&f, map(MatchMethod::Beg, MapOut::Str)).unwrap();
        let r = store.get(&f).unwrap();
        r.set_map(b"zz", b"new");
        assert_eq!(look(&str_, s("zz")).as_deref(), Some("new"));
        r.set_map(b"a", b"A");
        assert_eq!(look(&str_, s("a")).as_deref(), Some("A"));
        assert_eq!(look(&beg, s("ax")).as_deref(), Some("A"));
        assert!(r.delete(b"a"));
        assert_eq!(look(&str_, s("a")), None);
        assert!(!r.delete(b"a"));
        r.add_acl(b"q");
        assert_eq!(look(&str_, s("q")).as_deref(), Some("<none>"));
        // A new expression sees the changes.
        let sub = store.expr(&f, map(MatchMethod::Sub, MapOut::Str)).unwrap();
        assert_eq!(look(&sub, s("-zz-")).as_deref(), Some("new"));
        // An expression that failed to compile stays attached (as in HAProxy): a key it
        // cannot parse is refused from then on.
        assert!(store.expr(&f, map(MatchMethod::Int, MapOut::Str)).is_err());
        r.set_map(b"yy", b"refused");
        assert_eq!(look(&str_, s("yy")), None);
        r.set_map(b"42", b"int");
        assert_eq!(look(&str_, s("42")).as_deref(), Some("int"));
        let ip = file(&d, "ip.map", "10.0.0.0/8 ten\n");
        let e = store.expr(&ip, map(MatchMethod::Ip, MapOut::Str)).unwrap();
        let r = store.get(&ip).unwrap();
        r.set_map(b"10.1.2.0/24", b"deep");
        r.set_map(b"garbage", b"g");
        assert_eq!(look(&e, s("10.1.2.3")).as_deref(), Some("deep"));
        assert_eq!(r.entries().len(), 2);
        // One form per file name.
        assert!(store.load(&ip, false).unwrap_err().contains("two column"));
        assert_eq!(
            store.load("/nonexistent/x", true).unwrap_err(),
            "failed to open pattern file </nonexistent/x>"
        );
    }

    #[test]
    fn acl_files_ignore_case() {
        let store = PatStore::default();
        let d = dir("acl");
        let f = file(&d, "a.acl", "/Admin\n/api/\n");
        let kind = ExprKind {
            method: MatchMethod::Beg,
            ignore_case: true,
            out: None,
        };
        let e = store.expr(&f, kind).unwrap();
        assert!(e.matches_cast(&s("/admin/x")));
        assert!(!e.matches_cast(&s("/adm")));
        store.get(&f).unwrap().add_acl(b"/ADM");
        assert!(e.matches_cast(&s("/adm")));
        assert!(store.load(&f, true).unwrap_err().contains("one column"));
    }

    /// Arbitrary keys, values and inputs for every method and output: nothing panics, and an
    /// expression always answers like a freshly compiled one (the incremental updates keep the
    /// invariant).
    #[test]
    fn soup() {
        let store = PatStore::default();
        let d = dir("soup");
        let f = file(&d, "s.map", "");
        let words = [
            "",
            "a",
            "ab",
            "A",
            "1",
            "-5",
            "10:20",
            ":3",
            "1.2.3.4",
            "1.2.3.0/24",
            "::1",
            "::/0",
            "0.0.0.0/0",
            "2002:102:304::",
            "^a",
            "(",
            "x y",
            "/p/q",
            "b.c",
            "99999999999999999999",
        ];
        let mut seed: u64 = 7;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let methods = [
            MatchMethod::Str,
            MatchMethod::Beg,
            MatchMethod::Sub,
            MatchMethod::Dir,
            MatchMethod::Dom,
            MatchMethod::End,
            MatchMethod::Reg,
            MatchMethod::Int,
            MatchMethod::Ip,
        ];
        let mut exprs = Vec::new();
        for m in methods {
            for out in [MapOut::Str, MapOut::Int, MapOut::Ip] {
                exprs.extend(store.expr(&f, map(m, out)).ok());
            }
        }
        let r = store.get(&f).unwrap();
        for _ in 0..400 {
            let k = words[next(words.len())].as_bytes();
            let v = words[next(words.len())].as_bytes();
            match next(4) {
                0 => r.set_map(k, v),
                1 => {
                    r.delete(k);
                }
                2 => r.add_acl(k),
                _ => {
                    let _ = r.add(k, Some(v));
                }
            }
            let input = s(words[next(words.len())]);
            for e in &exprs {
                let _ = e.lookup(input.clone());
            }
        }
        // Compare each live expression with one compiled now from the final entries.
        let g = file(&d, "final.map", "");
        let store2 = PatStore::default();
        let r2 = store2.load(&g, true).unwrap();
        for (k, v) in r.entries() {
            let _ = r2.add(&k, v.as_deref());
        }
        for e in &exprs {
            let Ok(e2) = r2.expr(e.kind()) else { continue };
            for w in words {
                assert_eq!(e.lookup(s(w)), e2.lookup(s(w)), "{:?} {w}", e.kind());
            }
        }
    }

    #[test]
    fn ipv6_forms() {
        let store = PatStore::default();
        let d = dir("ip6");
        let f = file(&d, "ip.map", "192.168.0.0/16 v4\n2001:db8::/32 doc\n");
        let e = store.expr(&f, map(MatchMethod::Ip, MapOut::Str)).unwrap();
        assert_eq!(look(&e, s("2002:c0a8:0101::")).as_deref(), Some("v4"));
        assert_eq!(look(&e, s("::192.168.1.1")).as_deref(), Some("v4"));
        assert_eq!(look(&e, s("2001:db8:1::5")).as_deref(), Some("doc"));
        assert_eq!(
            look(&e, Sample::Ipv4(Ipv4Addr::new(192, 168, 3, 3))).as_deref(),
            Some("v4")
        );
    }
}
