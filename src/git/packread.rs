//! A faster reader of blob contents for the bulk reads of `validate --rev`, `diff` and the
//! server hook: loose objects and version-2 pack files are read directly and inflated with
//! libdeflate, which is 2-3× faster than the zlib libgit2 links. Everything else — objects in
//! alternates, multi-pack-index-only packs, pack index version 1, SHA-256 repositories, anything
//! unexpected, corrupt or truncated — is answered `None`, and the caller reads the object through
//! libgit2 as before. A blob read here is byte-for-byte the one libgit2 returns (a unit test
//! compares both on loose, packed and deltified objects).
//!
//! Only the object database of the repository is read; nothing is written. An object id names
//! its content, so a copy found in any of the searched folders is the object. As with the rest of
//! cekops's reads (`strict_hash_verification(false)`), hashes are not recomputed: `git fsck` is
//! the tool for a corrupt store; inflating checks each stream's Adler-32 and the exact size.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::OnceLock;

/// The loose-object folders and pack indexes of one repository, shared by the readers of all
/// threads.
pub(crate) struct Store {
    dirs: Vec<PathBuf>,
    /// Read on the first request (a `--staged` run may need none).
    packs: OnceLock<Vec<Pack>>,
    bases: Mutex<Bases>,
}

/// Objects read from packs by (pack, offset), oldest first out.
#[derive(Default)]
struct Bases {
    map: HashMap<(usize, u64), (u8, Arc<[u8]>)>,
    order: VecDeque<(usize, u64)>,
    bytes: usize,
}

impl Bases {
    fn insert(&mut self, key: (usize, u64), kind: u8, data: &Arc<[u8]>) {
        if data.len() > BASE_CACHE / 4 || self.map.contains_key(&key) {
            return;
        }
        while self.bytes + data.len() > BASE_CACHE {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((_, d)) = self.map.remove(&old) {
                self.bytes -= d.len();
            }
        }
        self.bytes += data.len();
        self.order.push_back(key);
        self.map.insert(key, (kind, Arc::clone(data)));
    }
}

/// One pack: its whole index in memory and the pack file, read at offsets.
struct Pack {
    idx: Vec<u8>,
    count: usize,
    file: File,
    len: u64,
    /// Every entry's offset, sorted: an entry ends where the next begins.
    starts: OnceLock<Vec<u64>>,
}

/// Pack index files larger than this are left to libgit2 (reading them whole would cost more
/// than the reads they speed up).
const MAX_IDX: u64 = 128 << 20;
/// Objects (and delta bases) larger than this are left to libgit2: sizes come from the files
/// read, and a damaged or hostile size must not make this reader allocate without bound. The
/// caller reads nothing larger than [`crate::tree::MAX_FILE_SIZE`] anyway.
const MAX_OBJECT: usize = 2 * crate::tree::MAX_FILE_SIZE as usize;
/// Delta chains longer than this are left to libgit2 (git itself writes at most 4095).
const MAX_DEPTH: usize = 10_000;
/// Bytes of pack objects kept for the deltas that use them as their base, shared by all
/// threads (git keeps 96 MiB per process: `core.deltaBaseCacheLimit`).
const BASE_CACHE: usize = 48 << 20;

const OBJ_BLOB: u8 = 3;
const OBJ_OFS_DELTA: u8 = 6;
const OBJ_REF_DELTA: u8 = 7;

impl Store {
    /// The store of the repository whose object folder is `objects`; `None` when this reader
    /// does not apply (a SHA-256 repository, a platform without positional reads).
    pub(crate) fn open(repo: &git2::Repository) -> Option<Arc<Store>> {
        if !cfg!(unix) {
            return None;
        }
        let format = repo
            .config()
            .ok()
            .and_then(|c| c.get_string("extensions.objectformat").ok());
        if format.is_some_and(|f| !f.eq_ignore_ascii_case("sha1")) {
            return None;
        }
        let mut dirs = Vec::new();
        // A pre-receive hook runs with the pushed objects in a quarantine folder.
        if let Some(d) = std::env::var_os("GIT_OBJECT_DIRECTORY").filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(d));
        }
        let own = repo.commondir().join("objects");
        if !dirs.contains(&own) {
            dirs.push(own);
        }
        Some(Arc::new(Store {
            dirs,
            packs: OnceLock::new(),
            bases: Mutex::default(),
        }))
    }

    /// The pack holding `id` and its offset there.
    fn locate(&self, id: &[u8; 20]) -> Option<(usize, u64)> {
        self.packs()
            .iter()
            .enumerate()
            .find_map(|(p, pack)| pack.find(id).map(|o| (p, o)))
    }

    fn packs(&self) -> &[Pack] {
        self.packs.get_or_init(|| {
            let mut packs = Vec::new();
            for dir in &self.dirs {
                let Ok(list) = std::fs::read_dir(dir.join("pack")) else {
                    continue;
                };
                let mut names: Vec<PathBuf> = list
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                    .collect();
                names.sort();
                packs.extend(names.iter().filter_map(|p| Pack::open(p)));
            }
            packs
        })
    }
}

impl Pack {
    fn open(idx_path: &Path) -> Option<Pack> {
        let meta = std::fs::metadata(idx_path).ok()?;
        if meta.len() > MAX_IDX {
            return None;
        }
        let idx = std::fs::read(idx_path).ok()?;
        // Version 2: magic, version, 256 fan-out entries, then ids, CRCs, offsets.
        if idx.len() < 8 + 1024 || idx[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        let count = be32(&idx, 8 + 255 * 4)? as usize;
        if idx.len() < 8 + 1024 + count * 28 + 40 {
            return None;
        }
        let file = File::open(idx_path.with_extension("pack")).ok()?;
        let len = file.metadata().ok()?.len();
        Some(Pack {
            idx,
            count,
            file,
            len,
            starts: OnceLock::new(),
        })
    }

    /// The offset of `id` in the pack.
    fn find(&self, id: &[u8; 20]) -> Option<u64> {
        let fan = |i: usize| be32(&self.idx, 8 + i * 4).map(|v| v as usize);
        let first = id[0] as usize;
        let mut lo = if first == 0 { 0 } else { fan(first - 1)? };
        let mut hi = fan(first)?.min(self.count);
        let names = 8 + 1024;
        while lo < hi {
            let mid = (lo + hi) / 2;
            let name = self.idx.get(names + mid * 20..names + mid * 20 + 20)?;
            match name.cmp(&id[..]) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<u64> {
        let small = 8 + 1024 + self.count * 24;
        let v = be32(&self.idx, small + i * 4)?;
        if v & 0x8000_0000 == 0 {
            return Some(v as u64);
        }
        let large = small + self.count * 4 + (v & 0x7fff_ffff) as usize * 8;
        let hi = be32(&self.idx, large)? as u64;
        let lo = be32(&self.idx, large + 4)? as u64;
        Some(hi << 32 | lo)
    }

    /// Where the entry whose data starts at `data` ends.
    fn end_of(&self, data: u64) -> Option<u64> {
        let starts = self.starts.get_or_init(|| {
            let mut v: Vec<u64> = (0..self.count).filter_map(|i| self.offset(i)).collect();
            v.sort_unstable();
            v
        });
        let last = self.len.checked_sub(20)?;
        let end = match starts.partition_point(|&o| o <= data) {
            i if i < starts.len() => starts[i],
            _ => last,
        };
        (data < end && end <= last).then_some(end)
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Option<usize> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt as _;
            let mut done = 0;
            while done < buf.len() {
                match self.file.read_at(&mut buf[done..], offset + done as u64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return None,
                }
            }
            Some(done)
        }
        #[cfg(not(unix))]
        {
            let _ = (offset, buf);
            None
        }
    }
}

/// One thread's reader over a [`Store`].
pub(crate) struct Reader {
    store: Arc<Store>,
    inflater: libdeflater::Decompressor,
}

/// A pack entry's header: type, inflated size, where its data starts, and its base for deltas.
struct EntryHead {
    kind: u8,
    size: usize,
    data: u64,
    base: Base,
}

enum Base {
    None,
    Offset(u64),
    Id([u8; 20]),
}

impl Reader {
    pub(crate) fn new(store: Arc<Store>) -> Reader {
        Reader {
            store,
            inflater: libdeflater::Decompressor::new(),
        }
    }

    /// Blob `id` when a pack holds it (its size not known beforehand: at most [`MAX_OBJECT`]
    /// bytes are built); `None`: not in a pack, not a blob, or not readable here.
    pub(crate) fn packed_blob(&mut self, id: git2::Oid) -> Option<Arc<[u8]>> {
        let raw: [u8; 20] = id.as_bytes().try_into().ok()?;
        let (p, offset) = self.store.locate(&raw)?;
        let (kind, data) = self.packed(p, offset)?;
        (kind == OBJ_BLOB).then_some(data)
    }

    /// The content of blob `id` whose size libgit2 reported as `size`; `None`: read it through
    /// libgit2.
    pub(crate) fn blob(&mut self, id: git2::Oid, size: usize) -> Option<Arc<[u8]>> {
        let raw: [u8; 20] = id.as_bytes().try_into().ok()?;
        if size > MAX_OBJECT {
            return None;
        }
        let (kind, data) = match self.store.locate(&raw) {
            Some((p, offset)) => self.packed(p, offset)?,
            None => self.loose(&raw, Some(size))?,
        };
        (kind == OBJ_BLOB && data.len() == size).then_some(data)
    }

    /// A loose object; `size`: its content's size when known (the header is at most 26 bytes).
    fn loose(&mut self, id: &[u8; 20], size: Option<usize>) -> Option<(u8, Arc<[u8]>)> {
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let store = Arc::clone(&self.store);
        let bytes = store
            .dirs
            .iter()
            .find_map(|d| std::fs::read(d.join(&hex[..2]).join(&hex[2..])).ok())?;
        // The header ("blob 123\0") is inside the stream: inflate into a buffer that grows.
        let mut cap = size
            .map_or(bytes.len() * 8, |s| s + 32)
            .clamp(256, MAX_OBJECT);
        loop {
            let mut out = vec![0; cap];
            match self.inflater.zlib_decompress(&bytes, &mut out) {
                Ok(n) => {
                    out.truncate(n);
                    let nul = out.iter().position(|&b| b == 0)?;
                    let head = std::str::from_utf8(&out[..nul]).ok()?;
                    let (kind, len) = head.split_once(' ')?;
                    let kind = match kind {
                        "commit" => 1,
                        "tree" => 2,
                        "blob" => OBJ_BLOB,
                        "tag" => 4,
                        _ => return None,
                    };
                    if len.parse::<usize>().ok()? != n - nul - 1 {
                        return None;
                    }
                    return Some((kind, Arc::from(&out[nul + 1..])));
                }
                Err(libdeflater::DecompressionError::InsufficientSpace) if cap < MAX_OBJECT => {
                    cap *= 4;
                }
                Err(_) => return None,
            }
        }
    }

    fn head(&self, p: usize, offset: u64) -> Option<EntryHead> {
        let pack = &self.store.packs()[p];
        let mut buf = [0u8; 32];
        let n = pack.read_at(offset, &mut buf)?;
        let buf = &buf[..n];
        let mut i = 0;
        let mut c = *buf.get(i)?;
        i += 1;
        let kind = (c >> 4) & 7;
        let mut size = (c & 15) as u64;
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = *buf.get(i)?;
            i += 1;
            if shift > 56 {
                return None;
            }
            size |= ((c & 0x7f) as u64) << shift;
            shift += 7;
        }
        let base = match kind {
            OBJ_OFS_DELTA => {
                let mut c = *buf.get(i)?;
                i += 1;
                let mut back = (c & 0x7f) as u64;
                while c & 0x80 != 0 {
                    c = *buf.get(i)?;
                    i += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | (c & 0x7f) as u64;
                }
                if back == 0 || back > offset {
                    return None;
                }
                Base::Offset(offset - back)
            }
            OBJ_REF_DELTA => {
                let id: [u8; 20] = buf.get(i..i + 20)?.try_into().ok()?;
                i += 20;
                Base::Id(id)
            }
            1..=4 => Base::None,
            _ => return None,
        };
        Some(EntryHead {
            kind,
            size: usize::try_from(size).ok()?,
            data: offset + i as u64,
            base,
        })
    }

    /// Inflate an entry's data (exactly `head.size` bytes).
    fn inflate(&mut self, p: usize, head: &EntryHead) -> Option<Arc<[u8]>> {
        let pack = &self.store.packs()[p];
        // The entry ends where the next one starts (or at the pack's trailing checksum).
        let end = pack.end_of(head.data)?;
        let mut input = vec![0; usize::try_from(end - head.data).ok()?];
        if pack.read_at(head.data, &mut input)? != input.len() {
            return None;
        }
        let mut out = zeroed(head.size)?;
        let slot = Arc::get_mut(&mut out)?;
        match self.inflater.zlib_decompress(&input, slot) {
            Ok(n) if n == head.size => Some(out),
            _ => None,
        }
    }

    fn packed(&mut self, p: usize, offset: u64) -> Option<(u8, Arc<[u8]>)> {
        // Walk down to a whole object (or a cached base), then apply the deltas back up.
        let mut deltas: Vec<((usize, u64), Arc<[u8]>)> = Vec::new();
        let mut at = (p, offset);
        // The object reached and where it sits in a pack (`None`: a loose object).
        let (kind, mut data, data_at) = loop {
            if deltas.len() > MAX_DEPTH {
                return None;
            }
            let hit = self.cached(at);
            if let Some((kind, data)) = hit {
                break (kind, data, Some(at));
            }
            let head = self.head(at.0, at.1)?;
            let body = self.inflate(at.0, &head)?;
            match head.base {
                Base::None => break (head.kind, body, Some(at)),
                Base::Offset(base) => {
                    deltas.push((at, body));
                    at = (at.0, base);
                }
                Base::Id(id) => {
                    deltas.push((at, body));
                    match self.store.locate(&id) {
                        Some(next) => at = next,
                        None => {
                            let (kind, data) = self.loose(&id, None)?;
                            break (kind, data, None);
                        }
                    }
                }
            }
        };
        // Keep what was read from the pack for the deltas still to come (git writes the
        // newest version of a file whole and the older ones as deltas against it, so a file
        // read whole is often some other file's base).
        if let Some(k) = data_at {
            self.keep(k, kind, &data);
        }
        while let Some((key, delta)) = deltas.pop() {
            data = apply_delta(&data, &delta)?;
            if !deltas.is_empty() {
                self.keep(key, kind, &data);
            }
        }
        Some((kind, data))
    }

    fn cached(&self, at: (usize, u64)) -> Option<(u8, Arc<[u8]>)> {
        let bases = self.store.bases.lock().ok()?;
        bases.map.get(&at).map(|(k, d)| (*k, Arc::clone(d)))
    }

    fn keep(&self, at: (usize, u64), kind: u8, data: &Arc<[u8]>) {
        if let Ok(mut bases) = self.store.bases.lock() {
            bases.insert(at, kind, data);
        }
    }
}

/// Apply a git delta to its base.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Arc<[u8]>> {
    let mut i = 0;
    let varint = |i: &mut usize| -> Option<usize> {
        let mut v = 0usize;
        let mut shift = 0;
        loop {
            let c = *delta.get(*i)?;
            *i += 1;
            if shift > 56 {
                return None;
            }
            v |= ((c & 0x7f) as usize) << shift;
            shift += 7;
            if c & 0x80 == 0 {
                return Some(v);
            }
        }
    };
    let src = varint(&mut i)?;
    let dst = varint(&mut i)?;
    // Every instruction adds at most a whole base (a copy) or its own bytes (an insertion).
    if src != base.len() || dst > delta.len().saturating_mul(base.len().max(1)) {
        return None;
    }
    let mut result = zeroed(dst)?;
    let out = Arc::get_mut(&mut result)?;
    let mut at = 0;
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    off |= (*delta.get(i)? as usize) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= (*delta.get(i)? as usize) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let from = base.get(off..off.checked_add(len)?)?;
            out.get_mut(at..at + len)?.copy_from_slice(from);
            at += len;
        } else if op != 0 {
            let len = op as usize;
            out.get_mut(at..at + len)?
                .copy_from_slice(delta.get(i..i + len)?);
            i += len;
            at += len;
        } else {
            return None;
        }
    }
    (at == dst).then_some(result)
}

/// A zero-filled buffer of `len` bytes, allocated once (no larger than [`MAX_OBJECT`]).
fn zeroed(len: usize) -> Option<Arc<[u8]>> {
    (len <= MAX_OBJECT).then(|| std::iter::repeat_n(0u8, len).collect())
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::git::testgit::git;

    /// A repository whose files share most of their lines across files and commits (so that
    /// packing writes delta chains), with a large incompressible file and an empty one.
    fn history(dir: &Path) {
        git(dir, &["init", "-q", "-b", "service"]);
        let mut noise = 0x2545_f491_u64;
        let random: Vec<u8> = (0..200_000)
            .map(|_| {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                noise as u8
            })
            .collect();
        std::fs::write(dir.join("random.bin"), &random).unwrap();
        std::fs::write(dir.join("empty"), "").unwrap();
        for round in 0..12 {
            for f in 0..20 {
                let mut text = String::new();
                for line in 0..(200 + f * 30) {
                    text.push_str(&format!(
                        "utterance {line} of file {} 주문할래 {round}\n",
                        f % 7
                    ));
                    if line % (round + 3) == 0 {
                        text.push_str(&format!("changed in round {round} at {line}\n"));
                    }
                }
                std::fs::write(dir.join(format!("f{f}.toml")), text).unwrap();
            }
            git(dir, &["add", "-A"]);
            git(dir, &["commit", "-q", "-m", &format!("round {round}")]);
        }
    }

    /// Every blob of the repository: what libgit2 reads, and what the fast reader reads
    /// (`None` where it leaves the blob to libgit2).
    fn every_blob(dir: &Path) -> Vec<(Vec<u8>, Option<Arc<[u8]>>, Option<Arc<[u8]>>)> {
        let repo = git2::Repository::open(dir).unwrap();
        let odb = repo.odb().unwrap();
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
        .unwrap();
        let mut reader = Reader::new(Store::open(&repo).unwrap());
        let mut out = Vec::new();
        for id in ids {
            let Ok(blob) = repo.find_blob(id) else {
                continue;
            };
            let fast = reader.blob(id, blob.size());
            let packed = reader.packed_blob(id);
            out.push((blob.content().to_vec(), fast, packed));
        }
        out
    }

    /// `all_packed`: every blob is in a pack, so the size-less pack read must find each one.
    fn assert_all_read_the_same(dir: &Path, what: &str, all_packed: bool) {
        let blobs = every_blob(dir);
        assert!(blobs.len() > 200, "{what}: only {} blobs", blobs.len());
        for (slow, fast, packed) in &blobs {
            let fast = fast
                .as_ref()
                .unwrap_or_else(|| panic!("{what}: a blob was left to libgit2"));
            assert_eq!(&slow[..], &fast[..], "{what}: contents differ");
            match packed {
                Some(p) => assert_eq!(&slow[..], &p[..], "{what}: pack read differs"),
                None => assert!(!all_packed, "{what}: a packed blob was not found"),
            }
        }
    }

    #[test]
    fn every_blob_reads_as_libgit2_reads_it_loose_packed_and_mixed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        history(dir);
        assert_all_read_the_same(dir, "loose", false);
        git(dir, &["repack", "-adfq", "--depth=50", "--window=100"]);
        let chains = git(dir, &["verify-pack", "-v", &pack_index(dir)]);
        assert!(chains.contains("chain length = 4"), "{chains}");
        assert_all_read_the_same(dir, "offset deltas", true);
        git(
            dir,
            &[
                "-c",
                "repack.useDeltaBaseOffset=false",
                "repack",
                "-adfq",
                "--depth=50",
            ],
        );
        assert_all_read_the_same(dir, "reference deltas", true);
        // New loose objects next to the pack.
        std::fs::write(dir.join("f1.toml"), "changed after packing\n").unwrap();
        git(dir, &["commit", "-qam", "after"]);
        assert_all_read_the_same(dir, "pack and loose", false);
    }

    fn pack_index(dir: &Path) -> String {
        let packs = dir.join(".git/objects/pack");
        let idx = std::fs::read_dir(&packs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        idx.to_string_lossy().into_owned()
    }

    #[test]
    fn a_damaged_pack_or_index_is_left_to_libgit2_never_misread() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        history(dir);
        git(dir, &["repack", "-adfq", "--depth=50"]);
        let good = every_blob(dir);
        let idx = PathBuf::from(pack_index(dir));
        let pack = idx.with_extension("pack");
        let original = std::fs::read(&pack).unwrap();
        // Damage bytes all over the pack (not its header): a blob is read right or not at all.
        for step in [997, 4093, 65_521] {
            let mut bytes = original.clone();
            for at in (12..bytes.len() - 20).step_by(step) {
                bytes[at] ^= 0x5a;
            }
            std::fs::write(&pack, &bytes).unwrap();
            let repo = git2::Repository::open(dir).unwrap();
            let mut reader = Reader::new(Store::open(&repo).unwrap());
            let odb = repo.odb().unwrap();
            let mut misses = 0;
            odb.foreach(|id| {
                if let Some(data) = reader.blob(*id, usize::MAX) {
                    panic!("a blob of unknown size was read: {} bytes", data.len());
                }
                true
            })
            .unwrap();
            for (slow, _, _) in &good {
                let id = git2::Oid::hash_object(git2::ObjectType::Blob, slow).unwrap();
                match reader.blob(id, slow.len()) {
                    Some(fast) => assert_eq!(&slow[..], &fast[..], "misread after damage"),
                    None => misses += 1,
                }
                if let Some(p) = reader.packed_blob(id) {
                    assert_eq!(&slow[..], &p[..], "misread after damage (pack read)");
                }
            }
            assert!(misses > 0, "damage every {step} bytes went unnoticed");
        }
        // A truncated index: the pack is not used at all.
        std::fs::write(&pack, &original).unwrap();
        let bytes = std::fs::read(&idx).unwrap();
        let mut perms = std::fs::metadata(&idx).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&idx, perms).unwrap();
        std::fs::write(&idx, &bytes[..bytes.len() / 2]).unwrap();
        let repo = git2::Repository::open(dir).unwrap();
        let mut reader = Reader::new(Store::open(&repo).unwrap());
        for (slow, _, _) in &good {
            let id = git2::Oid::hash_object(git2::ObjectType::Blob, slow).unwrap();
            assert!(reader.blob(id, slow.len()).is_none());
            assert!(reader.packed_blob(id).is_none());
        }
    }

    #[test]
    fn deltas_apply_and_bad_ones_are_refused() {
        // base "hello world", copy "hello " then insert "there".
        let base = b"hello world";
        let delta = [11, 11, 0x90, 6, 5, b't', b'h', b'e', b'r', b'e'];
        assert_eq!(
            apply_delta(base, &delta).as_deref(),
            Some(&b"hello there"[..])
        );
        // Wrong base size, copy out of range, the reserved op 0, a short result.
        assert!(apply_delta(base, &[12, 11, 0x90, 6, 5, 1, 1, 1, 1, 1]).is_none());
        assert!(apply_delta(base, &[11, 20, 0x91, 8, 10]).is_none());
        assert!(apply_delta(base, &[11, 1, 0]).is_none());
        assert!(apply_delta(base, &[11, 7, 0x90, 6]).is_none());
    }

    proptest! {
        #[test]
        fn any_delta_is_applied_or_refused_without_panicking(
            base in proptest::collection::vec(any::<u8>(), 0..64),
            delta in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            if let Some(out) = apply_delta(&base, &delta) {
                prop_assert!(out.len() < 1 << 20);
            }
        }
    }
}
