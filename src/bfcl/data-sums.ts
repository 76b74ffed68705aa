import type { BfclVersion } from './records.js';

/**
 * SHA-256 sums and JSON-line counts of the BFCL single-turn data files at the two pinned
 * gorilla commits (copied from shared/reference/bfcl-data-sha256.txt). The pinned
 * bfcl-eval releases (python/bfcl-eval-v3.txt, python/bfcl-eval-v4.txt) ship exactly these
 * files, so the same table checks both the PyPI source and the gorilla download.
 * Paths are relative to `berkeley-function-call-leaderboard/bfcl_eval/data/`.
 * Changing a sum here changes the `load` step's key (the sums are part of its params).
 */

export interface PinnedDataFile {
  sha256: string;
  /** Number of JSON lines (BFCL files have no trailing newline, so `wc -l` prints one less). */
  lines: number;
}

export interface PinnedDataRelease {
  version: BfclVersion;
  /** ShishirPatil/gorilla commit the files were taken from. */
  commit: string;
  date: string;
  /** The bfcl-eval release (python/<requirement>.txt) that ships exactly these files. */
  bfclEval: { requirement: 'bfcl-eval-v3' | 'bfcl-eval-v4'; release: string };
  files: Record<string, PinnedDataFile>;
}

export const PINNED_BFCL_DATA: Record<BfclVersion, PinnedDataRelease> = {
  v3: {
    version: 'v3',
    commit: 'c15b2a151662cac9839c96d7dfb1493b5329c975',
    date: '2025-06-09',
    bfclEval: { requirement: 'bfcl-eval-v3', release: '2025.6.9.2' },
    files: {
      'BFCL_v3_irrelevance.json': { sha256: '975f51c51f688649fd190078efd87081241e0a326f9114a2ea3c1ca2440d8690', lines: 240 },
      'BFCL_v3_live_irrelevance.json': { sha256: '0d259e1c3ab6ba06c2a51911e2f49ecaa2eac3723a4a14f183a7687955e61338', lines: 882 },
      'BFCL_v3_live_multiple.json': { sha256: '791d1faaf5ba5579196cd45a5fb37fa096d88848d6077f33cb6e2d22ebf58206', lines: 1053 },
      'BFCL_v3_live_parallel.json': { sha256: '6c26e9fdc3350cf596e6d1ea9c179cbff834761bccf562f4141ed29a839ca421', lines: 16 },
      'BFCL_v3_live_parallel_multiple.json': { sha256: '21d4b9319c1faac431e22757b367ea28917fe467364c3a4b17f16ec06d4f6e79', lines: 24 },
      'BFCL_v3_live_relevance.json': { sha256: '294ef3f21909e6f84c735faf688f5cbd72226ad012b7ea53c1e177c40cbbf053', lines: 18 },
      'BFCL_v3_live_simple.json': { sha256: '10e5cedb6dc73cd16bc430755643c658d6032a69363dfc41a22a84988eaa312a', lines: 258 },
      'BFCL_v3_multiple.json': { sha256: 'aef168155ebd74b7ac2401198b201343bc7d16d7a3d7e0d4e6d8ee82c6969b2a', lines: 200 },
      'BFCL_v3_parallel.json': { sha256: 'fad375d68295776efb63e5aa331dd884f8635e7bb50e05908113c74f14281c3c', lines: 200 },
      'BFCL_v3_parallel_multiple.json': { sha256: '8863ea8433239f55c5f016154cf0830853c89f693c6ea270396a2fa121960579', lines: 200 },
      'BFCL_v3_simple.json': { sha256: 'fbc37b2ad252bf9af985582e0e07b456173fe627d957491472ea9cef5fb83158', lines: 400 },
      'possible_answer/BFCL_v3_live_multiple.json': { sha256: '97e90d59c5bd76c55a2920ce93e5566e9046307d3f558578f085f9d3a56c3084', lines: 1053 },
      'possible_answer/BFCL_v3_live_parallel.json': { sha256: '5e3d26c9103dd25912003d3c5f681f30efc6fd2b5f8ba474450f2df21fdf6fcb', lines: 16 },
      'possible_answer/BFCL_v3_live_parallel_multiple.json': { sha256: 'f5b5f360556c5feb51db46fb9f56ee4b304f4b45b161599bbb14161c98a2873f', lines: 24 },
      'possible_answer/BFCL_v3_live_simple.json': { sha256: '4a1988780cdd8a723967587614cb84a9f53aa5d6fd37f83c78a0dd7acc2f3d15', lines: 258 },
      'possible_answer/BFCL_v3_multiple.json': { sha256: '244e00ce9395df948bcafc7bee64e8f9c87ef70887587d83cae45b13699f3047', lines: 200 },
      'possible_answer/BFCL_v3_parallel.json': { sha256: '3af54bf04e5b7640b03a9b6a82440f52474feb24b398f94435fd2b155c7727de', lines: 200 },
      'possible_answer/BFCL_v3_parallel_multiple.json': { sha256: 'df4d2c16238c1465dc04697c273cf3ab4a450075fcd274e3dc86ad5bf0049b75', lines: 200 },
      'possible_answer/BFCL_v3_simple.json': { sha256: '2911a2bc00df82c4f999ffa64fedb0164cb88e96212ffa5972087eb91fd496ee', lines: 400 },
    },
  },
  v4: {
    version: 'v4',
    commit: 'e5148abe62c0b399ad0a52c3e39ed45bcabd5995',
    date: '2025-10-13',
    bfclEval: { requirement: 'bfcl-eval-v4', release: '2025.10.13' },
    files: {
      'BFCL_v4_irrelevance.json': { sha256: '2b6ed4c2e992cdcf5f1678a701851f944bef7550ee026ed1ddb89efed5be01a6', lines: 240 },
      'BFCL_v4_live_irrelevance.json': { sha256: '6559fda2beaceb609a2cd2e504c65b4a56cb448e1ef88fddfd199e163d163349', lines: 884 },
      'BFCL_v4_live_multiple.json': { sha256: 'fd8ccfad4d911420d0e3341dbe2fff77d1d341da934248b9bb2bda24ab3a10c8', lines: 1053 },
      'BFCL_v4_live_parallel.json': { sha256: '6c26e9fdc3350cf596e6d1ea9c179cbff834761bccf562f4141ed29a839ca421', lines: 16 },
      'BFCL_v4_live_parallel_multiple.json': { sha256: '21d4b9319c1faac431e22757b367ea28917fe467364c3a4b17f16ec06d4f6e79', lines: 24 },
      'BFCL_v4_live_relevance.json': { sha256: 'e03f9e241657a137cba48a89ee12f47bf3fcb7e4f6274263e9c699a0c974203a', lines: 16 },
      'BFCL_v4_live_simple.json': { sha256: '1af2ac87dca47556db7b7e37e51e28b459a38b594e3c7b3c792b4903598ca0c4', lines: 258 },
      'BFCL_v4_multiple.json': { sha256: 'aef168155ebd74b7ac2401198b201343bc7d16d7a3d7e0d4e6d8ee82c6969b2a', lines: 200 },
      'BFCL_v4_parallel.json': { sha256: '19f51a82eff42e5d62541aa500115a056eb78f437c2ba1f10415fd7c8e5dda84', lines: 200 },
      'BFCL_v4_parallel_multiple.json': { sha256: '8863ea8433239f55c5f016154cf0830853c89f693c6ea270396a2fa121960579', lines: 200 },
      'BFCL_v4_simple_python.json': { sha256: '82dd63ba502eb2520c6b5d1d9a5c4b590e03ff261565175561f6228a367d1991', lines: 400 },
      'possible_answer/BFCL_v4_live_multiple.json': { sha256: '97e90d59c5bd76c55a2920ce93e5566e9046307d3f558578f085f9d3a56c3084', lines: 1053 },
      'possible_answer/BFCL_v4_live_parallel.json': { sha256: '5e3d26c9103dd25912003d3c5f681f30efc6fd2b5f8ba474450f2df21fdf6fcb', lines: 16 },
      'possible_answer/BFCL_v4_live_parallel_multiple.json': { sha256: 'f5b5f360556c5feb51db46fb9f56ee4b304f4b45b161599bbb14161c98a2873f', lines: 24 },
      'possible_answer/BFCL_v4_live_simple.json': { sha256: 'fec9cfa9744a936f9126981e85a2023da1e63e273eafebc81923a1162fad70ce', lines: 258 },
      'possible_answer/BFCL_v4_multiple.json': { sha256: '244e00ce9395df948bcafc7bee64e8f9c87ef70887587d83cae45b13699f3047', lines: 200 },
      'possible_answer/BFCL_v4_parallel.json': { sha256: '8a6aa19c1adddc6a5a2f7e40f9dbf30cc7e95815e7b830c90589ab318229e0f0', lines: 200 },
      'possible_answer/BFCL_v4_parallel_multiple.json': { sha256: '5ebf24f458c1f16300c05505d83d6f0a1b68b79be273a033febd0d4f840507e3', lines: 200 },
      'possible_answer/BFCL_v4_simple_python.json': { sha256: '38b1bc7469d1de73a812ffce9e2b10a1d8812425fd090ed314066ccec76d0ceb', lines: 400 },
    },
  },
};

/**
 * For reference: gorilla tag v1.3 (commit ea13468e, 2025-07-17) has the same single-turn v3
 * files as c15b2a15 except these three. Not a loadable pin; kept so that a sum mismatch
 * against v1.3 data can be recognised in error messages.
 */
export const BFCL_V3_TAG_1_3_DIFFERENCES: { commit: string; files: Record<string, PinnedDataFile> } = {
  commit: 'ea13468e4423454d0c213704fb87cf7cb3990433',
  files: {
    'BFCL_v3_irrelevance.json': { sha256: '8237162db28f3cf2e3f7d0b0380333fdf829c2ff15234506b0f2205399c8c655', lines: 240 },
    'BFCL_v3_live_relevance.json': { sha256: '9ce547600184f700de6995cbfaa310d50ccb79e69bc84a94f36a3b5e89bfafa9', lines: 18 },
    'possible_answer/BFCL_v3_parallel_multiple.json': { sha256: '5ebf24f458c1f16300c05505d83d6f0a1b68b79be273a033febd0d4f840507e3', lines: 200 },
  },
};

/** The default base URL of the raw data files at a gorilla commit. */
export function gorillaDataUrl(commit: string): string {
  return `https://raw.githubusercontent.com/ShishirPatil/gorilla/${commit}/berkeley-function-call-leaderboard/bfcl_eval/data`;
}
