/**
 * Which teacher -> student pairs Amazon Bedrock distils, and where. A dated, committed
 * table: when AWS changes the list, update the rows and `asOf` together.
 *
 * Source: ../shared/reference/bedrock.md section 1 (from the Bedrock user guide
 * "prerequisites for model distillation" and the Nova user guide).
 */

export type TeacherAccess =
  /** Only through a system (cross-region) inference profile, e.g. `us.amazon.nova-premier-v1:0`. */
  | 'inference-profile'
  /** Only as the foundation model id, e.g. `meta.llama3-1-405b-instruct-v1:0`. */
  | 'on-demand'
  /** Either. */
  | 'both';

export interface StudentModel {
  name: string;
  /** Base model id with its context-length suffix, as `baseModelIdentifier` takes it. */
  modelId: string;
}

export interface DistillationTeacher {
  name: string;
  /** Foundation model id (without an inference-profile prefix). */
  modelId: string;
  access: TeacherAccess;
  students: readonly StudentModel[];
  regions: readonly string[];
  /** Lifecycle status worth a warning when planning a job. */
  lifecycle?: { status: 'legacy'; since: string } | { status: 'unconfirmed-legacy' };
  /** Caveats printed as warnings by `fc-distill validate`. */
  warnings?: readonly string[];
}

const NOVA_LITE: StudentModel = { name: 'Nova Lite', modelId: 'amazon.nova-lite-v1:0:300k' };
const NOVA_MICRO: StudentModel = { name: 'Nova Micro', modelId: 'amazon.nova-micro-v1:0:128k' };
const NOVA_PRO: StudentModel = { name: 'Nova Pro', modelId: 'amazon.nova-pro-v1:0:300k' };
const LLAMA_31_8B: StudentModel = { name: 'Llama 3.1 8B', modelId: 'meta.llama3-1-8b-instruct-v1:0:128k' };
const LLAMA_31_70B: StudentModel = { name: 'Llama 3.1 70B', modelId: 'meta.llama3-1-70b-instruct-v1:0:128k' };
const LLAMA_32_1B: StudentModel = { name: 'Llama 3.2 1B', modelId: 'meta.llama3-2-1b-instruct-v1:0:128k' };
const LLAMA_32_3B: StudentModel = { name: 'Llama 3.2 3B', modelId: 'meta.llama3-2-3b-instruct-v1:0:128k' };
const LLAMA_33_70B: StudentModel = { name: 'Llama 3.3 70B', modelId: 'meta.llama3-3-70b-instruct-v1:0:128k' };
const CLAUDE_3_HAIKU: StudentModel = { name: 'Claude 3 Haiku', modelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k' };

const ANTHROPIC_WARNING =
  'a newer Bedrock user guide page says Anthropic model distillation is not currently available: check before planning a job';

export const BEDROCK_DISTILLATION_PAIRS = {
  asOf: '2026-11-22',
  source: '../shared/reference/bedrock.md, section 1 (Bedrock user guide "prerequisites for model distillation", Nova user guide)',
  teachers: [
    {
      name: 'Nova Premier',
      modelId: 'amazon.nova-premier-v1:0',
      access: 'inference-profile',
      students: [NOVA_LITE, NOVA_MICRO, NOVA_PRO],
      regions: ['us-east-1'],
      lifecycle: { status: 'unconfirmed-legacy' },
    },
    {
      name: 'Nova Pro',
      modelId: 'amazon.nova-pro-v1:0',
      access: 'both',
      students: [NOVA_LITE, NOVA_MICRO],
      regions: ['us-east-1'],
    },
    {
      name: 'Llama 3.1 405B',
      modelId: 'meta.llama3-1-405b-instruct-v1:0',
      access: 'on-demand',
      students: [LLAMA_31_8B, LLAMA_31_70B, LLAMA_32_1B, LLAMA_33_70B],
      regions: ['us-west-2'],
      lifecycle: { status: 'legacy', since: '2026-07-07' },
    },
    {
      name: 'Llama 3.1 70B',
      modelId: 'meta.llama3-1-70b-instruct-v1:0',
      access: 'both',
      students: [LLAMA_31_8B, LLAMA_32_1B, LLAMA_32_3B],
      regions: ['us-west-2'],
    },
    {
      name: 'Llama 3.3 70B',
      modelId: 'meta.llama3-3-70b-instruct-v1:0',
      access: 'inference-profile',
      students: [LLAMA_31_8B, LLAMA_32_1B, LLAMA_32_3B],
      regions: ['us-west-2'],
    },
    {
      name: 'Claude 3.5 Sonnet v1',
      modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      access: 'both',
      students: [CLAUDE_3_HAIKU],
      regions: ['us-west-2'],
      warnings: [ANTHROPIC_WARNING],
    },
    {
      name: 'Claude 3.5 Sonnet v2',
      modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      access: 'both',
      students: [CLAUDE_3_HAIKU],
      regions: ['us-west-2'],
      warnings: [ANTHROPIC_WARNING],
    },
  ],
} as const satisfies { asOf: string; source: string; teachers: readonly DistillationTeacher[] };

const TEACHERS: readonly DistillationTeacher[] = BEDROCK_DISTILLATION_PAIRS.teachers;
const AS_OF = BEDROCK_DISTILLATION_PAIRS.asOf;

/** The system inference-profile prefix of a region's geography (`us-east-1` -> `us`). */
export function profilePrefix(region: string): string {
  if (region.startsWith('us-gov-')) return 'us-gov';
  if (region.startsWith('us-')) return 'us';
  if (region.startsWith('eu-')) return 'eu';
  if (region.startsWith('ap-')) return 'apac';
  if (region.startsWith('ca-')) return 'ca';
  return region.split('-')[0] ?? region;
}

/** The ids a teacher may be given as in a region. */
export function teacherIds(teacher: DistillationTeacher, region: string): string[] {
  const profile = `${profilePrefix(teacher.regions.includes(region) ? region : (teacher.regions[0] ?? region))}.${teacher.modelId}`;
  if (teacher.access === 'inference-profile') return [profile];
  if (teacher.access === 'on-demand') return [teacher.modelId];
  return [teacher.modelId, profile];
}

/** Splits `us.amazon.nova-pro-v1:0` into its profile prefix and foundation model id. */
function splitProfile(id: string): { prefix?: string; modelId: string } {
  const match = /^(us-gov|us|eu|apac|ca|jp|au|global)\.(.+)$/.exec(id);
  return match ? { prefix: match[1], modelId: match[2]! } : { modelId: id };
}

function teacherLabel(t: DistillationTeacher, region: string): string {
  return `${t.name} (${teacherIds(t, region).join(' or ')}; ${t.regions.join(', ')})`;
}

export type PairCheck =
  | { ok: true; teacher: DistillationTeacher; warnings: string[] }
  | {
      ok: false;
      /** What is wrong and what is supported instead. */
      message: string;
      /** Which value is at fault, for pointing at it. */
      field: 'teacher' | 'student' | 'region';
      warnings: string[];
    };

/**
 * Is `teacher -> student` in `region` a pair Bedrock distils (per the dated table)? If not,
 * says what is supported for that teacher, student or region.
 */
export function checkDistillationPair(teacherId: string, studentId: string, region: string): PairCheck {
  const { prefix, modelId } = splitProfile(teacherId);
  const teacher = TEACHERS.find((t) => t.modelId === modelId);
  const asOf = `(Bedrock, as of ${AS_OF})`;

  if (!teacher) {
    const forStudent = TEACHERS.filter((t) => t.students.some((s) => s.modelId === studentId));
    const sameCase = TEACHERS.find((t) => t.modelId.toLowerCase() === modelId.toLowerCase());
    let message = `${quote(teacherId)} is not a supported distillation teacher ${asOf}.`;
    if (sameCase) message += ` Did you mean ${teacherIds(sameCase, region).join(' or ')}?`;
    if (forStudent.length > 0) {
      message += ` Teachers for student ${studentId}: ${forStudent.map((t) => teacherLabel(t, region)).join('; ')}.`;
    } else {
      message += ` Supported teachers: ${TEACHERS.map((t) => teacherLabel(t, region)).join('; ')}.`;
    }
    return { ok: false, message, field: 'teacher', warnings: [] };
  }

  const warnings = [...(teacher.warnings ?? [])];
  if (teacher.lifecycle?.status === 'legacy' && teacher.lifecycle.since <= AS_OF) {
    warnings.push(`${teacher.name} (${teacher.modelId}) is Legacy since ${teacher.lifecycle.since}: check its modelLifecycle with GetFoundationModel before planning a job`);
  }

  const allowedIds = teacherIds(teacher, region);
  if (!allowedIds.includes(teacherId)) {
    const how =
      teacher.access === 'inference-profile'
        ? `${teacher.name} is only supported as a teacher through its system inference profile`
        : teacher.access === 'on-demand'
          ? `${teacher.name} is only supported as a teacher on demand, by its foundation model id`
          : `${teacher.name} is supported as a teacher by its foundation model id or its ${profilePrefix(region)}. system inference profile`;
    const detail = prefix && teacher.access !== 'on-demand' ? ` (${prefix}. profiles do not serve ${region})` : '';
    return { ok: false, message: `${how}: use ${allowedIds.join(' or ')}, not ${quote(teacherId)}${detail} ${asOf}`, field: 'teacher', warnings };
  }

  const student = teacher.students.find((s) => s.modelId === studentId);
  if (!student) {
    const studentList = teacher.students.map((s) => `${s.modelId} (${s.name})`).join(', ');
    const suffixFix = teacher.students.find((s) => s.modelId.startsWith(`${studentId}:`));
    const otherTeachers = TEACHERS.filter((t) => t !== teacher && t.students.some((s) => s.modelId === studentId));
    let message = `student ${quote(studentId)} cannot be distilled from ${teacher.name} ${asOf}; supported students of ${teacher.name}: ${studentList}.`;
    if (suffixFix) message += ` Student ids carry a context-length suffix: did you mean ${suffixFix.modelId}?`;
    if (otherTeachers.length > 0) message += ` ${studentId} can be distilled from: ${otherTeachers.map((t) => teacherLabel(t, region)).join('; ')}.`;
    return { ok: false, message, field: 'student', warnings };
  }

  if (!teacher.regions.includes(region)) {
    const here = TEACHERS.filter((t) => t.regions.includes(region));
    const alternatives = here.length > 0 ? ` Pairs supported in ${region}: teachers ${here.map((t) => t.name).join(', ')}.` : ` No pair is supported in ${region}.`;
    return {
      ok: false,
      message: `${teacher.name} -> ${student.name} distillation is supported in ${teacher.regions.join(', ')} only, not in ${region} ${asOf}: set region: ${teacher.regions[0]}.${alternatives}`,
      field: 'region',
      warnings,
    };
  }
  return { ok: true, teacher, warnings };
}

/** Every supported pair, for documentation and `validate` messages. */
export function supportedPairs(): { teacher: string; teacherIds: string[]; student: string; region: string }[] {
  return TEACHERS.flatMap((t) =>
    t.regions.flatMap((region) => t.students.map((s) => ({ teacher: t.name, teacherIds: teacherIds(t, region), student: s.modelId, region }))),
  );
}

function quote(text: string): string {
  return `'${text}'`;
}
