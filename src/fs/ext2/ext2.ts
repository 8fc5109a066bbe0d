// The on-disk format of ext2 (fs/ext2/ext2.h, and the ext4 fields that a
// reader of ext3/ext4 images needs): magic numbers, feature bits, flags, and
// the field offsets of the superblock, group descriptors and inodes.
export const EXT2_SUPER_MAGIC = 0xef53;
export const SUPERBLOCK_OFFSET = 1024;
export const ROOT_INO = 2;
export const GOOD_OLD_REV = 0, DYNAMIC_REV = 1;
export const GOOD_OLD_FIRST_INO = 11, GOOD_OLD_INODE_SIZE = 128;
export const NDIR_BLOCKS = 12, IND_BLOCK = 12, DIND_BLOCK = 13, TIND_BLOCK = 14, N_BLOCKS = 15;
export const LINK_MAX = 32000;
export const VALID_FS = 1, ERROR_FS = 2;
export const DFL_MAX_MNT_COUNT = 20;

export const COMPAT = {
  DIR_PREALLOC: 0x1, IMAGIC_INODES: 0x2, HAS_JOURNAL: 0x4, EXT_ATTR: 0x8, RESIZE_INODE: 0x10,
  DIR_INDEX: 0x20, SPARSE_SUPER2: 0x200, FAST_COMMIT: 0x400, STABLE_INODES: 0x800, ORPHAN_FILE: 0x1000,
} as const;
export const RO_COMPAT = {
  SPARSE_SUPER: 0x1, LARGE_FILE: 0x2, BTREE_DIR: 0x4, HUGE_FILE: 0x8, GDT_CSUM: 0x10, DIR_NLINK: 0x20,
  EXTRA_ISIZE: 0x40, QUOTA: 0x100, BIGALLOC: 0x200, METADATA_CSUM: 0x400, READONLY: 0x1000,
  PROJECT: 0x2000, SHARED_BLOCKS: 0x4000, VERITY: 0x8000, ORPHAN_PRESENT: 0x10000,
} as const;
export const INCOMPAT = {
  COMPRESSION: 0x1, FILETYPE: 0x2, RECOVER: 0x4, JOURNAL_DEV: 0x8, META_BG: 0x10, EXTENTS: 0x40,
  '64BIT': 0x80, MMP: 0x100, FLEX_BG: 0x200, EA_INODE: 0x400, DIRDATA: 0x1000, CSUM_SEED: 0x2000,
  LARGEDIR: 0x4000, INLINE_DATA: 0x8000, ENCRYPT: 0x10000, CASEFOLD: 0x20000,
} as const;

/** The names e2fsprogs gives the feature bits (for the kernel's messages). */
export function featureNames(table: Record<string, number>, bits: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(table)) if (bits & bit) names.push(name.toLowerCase());
  const known = Object.values(table).reduce((a, b) => a | b, 0);
  for (let b = 1; b !== 0 && b <= 0x80000000; b = (b << 1) >>> 0) {
    if ((bits & b) && !(known & b)) names.push(`FEATURE_${b.toString(16)}`);
  }
  return names.join(' ');
}

/** What this ext2 reads and writes (EXT2_FEATURE_*_SUPP). */
export const EXT2_INCOMPAT_SUPP = INCOMPAT.FILETYPE | INCOMPAT.META_BG;
export const EXT2_RO_COMPAT_SUPP = RO_COMPAT.SPARSE_SUPER | RO_COMPAT.LARGE_FILE | RO_COMPAT.BTREE_DIR;
/** What it can read of ext3/ext4 images (mounted read-only). */
export const EXT4_INCOMPAT_READ = EXT2_INCOMPAT_SUPP | INCOMPAT.EXTENTS | INCOMPAT['64BIT'] |
  INCOMPAT.FLEX_BG | INCOMPAT.CSUM_SEED | INCOMPAT.LARGEDIR;
export const EXT4_RO_COMPAT_READ = EXT2_RO_COMPAT_SUPP | RO_COMPAT.HUGE_FILE | RO_COMPAT.GDT_CSUM |
  RO_COMPAT.DIR_NLINK | RO_COMPAT.EXTRA_ISIZE | RO_COMPAT.QUOTA | RO_COMPAT.METADATA_CSUM |
  RO_COMPAT.READONLY | RO_COMPAT.PROJECT | RO_COMPAT.VERITY | RO_COMPAT.ORPHAN_PRESENT;

/** Inode flags (i_flags). */
export const FL = {
  SECRM: 0x1, UNRM: 0x2, COMPR: 0x4, SYNC: 0x8, IMMUTABLE: 0x10, APPEND: 0x20, NODUMP: 0x40,
  NOATIME: 0x80, INDEX: 0x1000, HUGE_FILE: 0x40000, EXTENTS: 0x80000, EA_INODE: 0x200000,
  INLINE_DATA: 0x10000000,
} as const;

/** Directory entry file types (EXT2_FT_*), by S_IFMT >> 12. */
export const FT_BY_IFMT: Record<number, number> = { 0o10: 1, 0o4: 2, 0o2: 3, 0o6: 4, 0o1: 5, 0o14: 6, 0o12: 7 };
/** d_type of getdents for an EXT2_FT_* value (DT_UNKNOWN for 0 and unknown values). */
export const DT_BY_FT = [0, 8, 4, 2, 6, 1, 12, 10];

/** Superblock fields (byte offsets in the 1024-byte structure). */
export const S = {
  inodes_count: 0, blocks_count_lo: 4, r_blocks_count_lo: 8, free_blocks_count_lo: 12,
  free_inodes_count: 16, first_data_block: 20, log_block_size: 24, log_cluster_size: 28,
  blocks_per_group: 32, clusters_per_group: 36, inodes_per_group: 40, mtime: 44, wtime: 48,
  mnt_count: 52, max_mnt_count: 54, magic: 56, state: 58, errors: 60, minor_rev_level: 62,
  lastcheck: 64, checkinterval: 68, creator_os: 72, rev_level: 76, def_resuid: 80, def_resgid: 82,
  first_ino: 84, inode_size: 88, block_group_nr: 90, feature_compat: 92, feature_incompat: 96,
  feature_ro_compat: 100, uuid: 104, volume_name: 120, hash_seed: 236, def_hash_version: 252,
  desc_size: 254, first_meta_bg: 260, blocks_count_hi: 336, r_blocks_count_hi: 340,
  free_blocks_count_hi: 344,
} as const;

/** Inode fields (the 128-byte base and the large inode's extra part). */
export const I = {
  mode: 0, uid: 2, size_lo: 4, atime: 8, ctime: 12, mtime: 16, dtime: 20, gid: 24, links_count: 26,
  blocks_lo: 28, flags: 32, version: 36, block: 40, generation: 100, file_acl_lo: 104, size_high: 108,
  blocks_high: 116, file_acl_high: 118, uid_high: 120, gid_high: 122,
  extra_isize: 128, ctime_extra: 132, mtime_extra: 136, atime_extra: 140, crtime: 144, crtime_extra: 148,
} as const;

/** The size of i_extra_isize that e2fsprogs and ext4 give new large inodes (through i_crtime_extra... i_projid). */
export const WANT_EXTRA_ISIZE = 32;
