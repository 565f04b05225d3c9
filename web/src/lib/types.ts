// Wire types of docs/api/v1.md and the accounts contract. Timestamps are epoch milliseconds;
// IDs are integers.

export type Role = 'owner' | 'admin' | 'manager' | 'employee';
export type PersonStatus = 'invited' | 'active' | 'suspended';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
}

/** A person of the organization (people endpoints, /me). */
export interface Person extends User {
  login: string | null;
  status: PersonStatus;
  job_title: string;
  department_id: number | null;
  team_ids: number[];
  managed_team_ids: number[];
  totp_enabled: boolean;
  created_at: number;
  last_sign_in_at: number | null;
}

export interface Org {
  id: number;
  name: string;
  require_2fa?: boolean;
}

/** GET /api/v1/me, and a completed sign-in (login, login/2fa, sign-up, invitation accept). */
export interface Session {
  user: Person;
  org: Org;
  /** Present for cookie sessions: sent back in X-CSRF-Token on every unsafe request. */
  csrf_token?: string;
  /**
   * The organization requires 2FA for this role and the user has not set it up yet (in every
   * answer that starts a session too, so sign-in lands on the setup at once).
   */
  mfa_setup_required?: boolean;
}

/** POST /api/v1/auth/login when the account has TOTP: the second step is still due. */
export interface MfaChallenge {
  mfa_required: true;
  challenge: string;
}

export type LoginResult = Session | MfaChallenge;

export type Plan = 'trial' | 'starter' | 'business' | 'enterprise';
export type BillingCycle = 'monthly' | 'yearly';

/** GET /api/v1/org. Managers and employees get only id, name, time_zone and require_2fa. */
export interface OrgDetails {
  id: number;
  name: string;
  time_zone: string;
  require_2fa: boolean;
  legal_name?: string;
  address?: string;
  country?: string;
  billing_email?: string;
  tax_id?: string;
  billing_address?: string;
  plan?: Plan;
  billing_cycle?: BillingCycle;
  seats?: number;
  seats_used?: number;
  created_at?: number;
}

export type OrgPatch = Partial<Omit<OrgDetails, 'id' | 'seats_used' | 'created_at'>>;

export interface Department {
  id: number;
  name: string;
  parent_id: number | null;
  people_count: number;
  team_count: number;
}

export interface Team {
  id: number;
  name: string;
  department_id: number;
  member_count: number;
  manager_ids: number[];
}

export interface TeamMember {
  user_id: number;
  name: string;
  email: string;
  role: Role;
  status: PersonStatus;
  is_manager: boolean;
}

export interface Invitation {
  id: number;
  url: string;
  expires_at: number;
  emailed: boolean;
}

/** GET /api/v1/invitations/{token}: what the invited person sees before accepting. */
export interface InvitationPreview {
  email: string;
  name: string;
  org_name: string;
  expires_at: number;
}

export interface NewPerson {
  email: string;
  name: string;
  role: Role;
  job_title?: string;
  login?: string;
  department_id?: number;
  team_ids?: number[];
}

export interface PersonPatch {
  name?: string;
  role?: Role;
  job_title?: string;
  login?: string;
  department_id?: number | null;
  team_ids?: number[];
  status?: 'active' | 'suspended';
}

export interface PeopleFilter {
  status?: PersonStatus | '';
  department_id?: number | null;
  team_id?: number | null;
  q?: string;
}

export interface SessionInfo {
  id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  remote_ip: string;
  user_agent: string;
  current: boolean;
}

export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
}

export type Scope =
  | 'org:read'
  | 'org:write'
  | 'people:read'
  | 'people:write'
  | 'devices:read'
  | 'devices:write'
  | 'reports:read'
  | 'audit:read';

export interface ApiTokenInfo {
  id: number;
  name: string;
  scopes: Scope[];
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  last_used_ip: string;
  revoked: boolean;
  user_id: number;
  user_name: string;
}

/** POST /api/v1/api-tokens: the token is shown only in this answer. */
export interface NewApiToken {
  id: number;
  name: string;
  scopes: Scope[];
  expires_at: number | null;
  token: string;
}

export interface Version {
  name: string;
  version: string;
}

export interface DeviceInfo {
  hostname: string;
  os_name?: string;
  os_id?: string;
  os_version?: string;
  kernel?: string;
  arch?: string;
  cpu_model?: string;
  cpu_cores?: number;
  memory_bytes?: number;
  agent_version: string;
  local_ips?: string[];
}

export interface Device extends DeviceInfo {
  id: number;
  name: string;
  remote_ip?: string;
  enrolled_at: number;
  last_seen_at: number;
  online: boolean;
  revoked: boolean;
  /** The person the device belongs to, when assigned. */
  user_id?: number | null;
  user_name?: string | null;
}

/** POST /api/v1/enrollment-tokens: the token is shown only in this answer. */
export interface EnrollmentToken {
  id: number;
  token: string;
  uses: number;
  expires_at: number;
  label?: string;
}

/** GET /api/v1/enrollment-tokens: a token without its secret. */
export interface EnrollmentTokenInfo {
  id: number;
  label: string;
  uses_left: number;
  uses_total: number;
  expires_at: number;
  created_at: number;
  created_by: number | string | null;
  revoked: boolean;
  expired: boolean;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  actor_user_id: number | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: number | string | null;
  subject_user_id: number | null;
  subject_name: string | null;
  remote_ip: string | null;
  details: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_before_seq: number | null;
}

export interface AuditFilter {
  action?: string;
  actor_user_id?: number | null;
  subject_user_id?: number | null;
  from?: number | null;
  to?: number | null;
  before_seq?: number | null;
  limit?: number;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  first_broken_seq: number | null;
  reason: string | null;
}

// --- activity (issue 4) ---

/** What a person is doing now, as the live view shows it. */
export type ActivityStatus = 'active' | 'idle' | 'paused' | 'off_hours' | 'online' | 'offline';

/** GET /api/v1/activity/live: one visible active person. */
export interface LivePerson {
  user_id: number;
  name: string;
  email: string;
  team_ids: number[];
  status: ActivityStatus;
  app: string;
  title: string;
  /** When the current state (or window) began; null when unknown (offline, say). */
  since: number | null;
  device_id: number | null;
  last_seen_at: number | null;
}

/** /ws/dashboard: a person's tracked state changed (`offline` when the device's channel closed). */
export interface ActivityStateMessage {
  type: 'activity.state';
  user_id: number;
  device_id: number | null;
  status: ActivityStatus;
  app: string;
  title: string;
  since: number | null;
}

export interface TimelineSpan {
  start: number;
  end: number;
  app: string;
  exe: string;
  title: string;
  idle: boolean;
  /** The device that recorded it (a person may have several). */
  device_id?: number;
  /** The browser tab's URL as the organization's policy keeps it; '' or absent when none. */
  url?: string;
  /** The URL's host ("example.com"); '' or absent when none. */
  domain?: string;
  /** The editor's project and file; '' or absent when none. */
  project?: string;
  file?: string;
  /**
   * The app or domain is on an exclusion list: the time counts, but what it was is not recorded
   * (app, title, url, domain, project and file are all '').
   */
  private?: boolean;
}

/** One 10-minute slot (`slot` = its start, UTC epoch ms) that has data. */
export interface ActivitySlot {
  slot: number;
  active_ms: number;
  idle_ms: number;
  keys: number;
  clicks: number;
  scrolls: number;
  distance_px: number;
  activity_pct: number;
}

/** GET /api/v1/people/{id}/timeline. */
export interface Timeline {
  user_id: number;
  from: number;
  to: number;
  spans: TimelineSpan[];
  /** More spans than the server lists at once: the totals still count them all. */
  truncated?: boolean;
  totals: { active_ms: number; idle_ms: number };
  apps: { app: string; active_ms: number }[];
  titles: { app: string; title: string; active_ms: number }[];
  slots: ActivitySlot[];
}

/** GET /api/v1/people/{id}/input: one minute's counts (`minute` = its start). */
export interface InputMinute {
  minute: number;
  keys: number;
  clicks: number;
  scrolls: number;
  distance_px: number;
}

// --- websites and redaction (issue 5) ---

/** One page of a domain: the URL as the policy keeps it, its latest title, seconds in the range. */
export interface WebsitePage {
  url: string;
  title: string;
  seconds: number;
}

/** GET /api/v1/people/{id}/websites: non-idle time per domain, top pages per domain. */
export interface PersonWebsites {
  from: number;
  to: number;
  total_seconds: number;
  /** Sorted by seconds, largest first; `pages` is [] when the policy keeps domains only. */
  domains: { domain: string; seconds: number; pages: WebsitePage[] }[];
}

/** One person's time on a domain in a team's view. */
export interface WebsitePerson {
  user_id: number;
  name: string;
  seconds: number;
}

/** GET /api/v1/teams/{id}/websites. */
export interface TeamWebsites {
  from: number;
  to: number;
  total_seconds: number;
  domains: { domain: string; seconds: number; people: WebsitePerson[] }[];
}

/** How much of a browser URL the agents keep. */
export type UrlMode = 'full' | 'strip_query' | 'domain';

export type TitleAction = 'mask' | 'drop';

/** A title rule: a regular expression whose matches are masked, or whose match drops the title. */
export interface TitleRule {
  pattern: string;
  action: TitleAction;
  /** Mask only (the server fills in "•••" when absent). */
  replacement?: string;
}

/** GET/PUT /api/v1/org/redaction (GET has every key; PUT may leave keys out for defaults). */
export interface RedactionPolicy {
  url_mode: UrlMode;
  title_rules: TitleRule[];
  excluded_domains: string[];
  excluded_apps: string[];
}

export type DayKey = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Work hours: per weekday a list of [from, to) "HH:MM" pairs in `time_zone`; a missing day = no work. */
export interface WorkScheduleJson {
  time_zone: string;
  days: Partial<Record<DayKey, [string, string][]>>;
}

/** The organization's live screenshot settings (part of the tracking policy). */
export interface ScreenshotPolicy {
  /** false: no capture at all, scheduled or on demand. */
  enabled: boolean;
  /** The schedule's interval in seconds (60..3600). */
  interval_s: number;
  /** Shots at random moments within each interval (1..10). */
  per_interval: number;
  /** JPEG quality (10..95). */
  quality: number;
  /** 1 full size, 2 half, 3 a third, 4 a quarter of each side. */
  downscale: number;
  /** 0 off, else the radius of a blur applied on the device (1..32). */
  blur_px: number;
}

/** GET/PUT /api/v1/org/tracking. `schedule` null = track at any time. */
export interface TrackingPolicy {
  idle_threshold_s: number;
  notify_on_start: boolean;
  schedule: WorkScheduleJson | null;
  /** Absent from servers before live screenshots. */
  screenshots?: ScreenshotPolicy;
}

/** PUT /api/v1/org/tracking: the keys present replace, `screenshots` may be partial. */
export type TrackingPatch = Partial<Omit<TrackingPolicy, 'screenshots'>> & { screenshots?: Partial<ScreenshotPolicy> };

// --- live screenshots (issue 6) ---

/** `{"code","message"}` of a refusal or an error reply. */
export interface WireError {
  code: string;
  message: string;
}

/** Why a device did not capture on demand. */
export type RefusalReason = 'idle' | 'paused' | 'off_hours' | 'disabled' | 'no_display' | 'capture_failed' | 'busy';

/** /ws/dashboard messages about screenshots (text); the frames themselves arrive as binary WTV1. */
export type ScreensMessage =
  | { type: 'screens.watching'; user_ids: number[]; refused: { user_id: number; error: WireError }[]; enabled: boolean }
  | { type: 'screens.capture_sent'; user_id: number; request_id: string; devices: number }
  | { type: 'screens.refused'; user_id: number; device_id: number; request_id: string; reason: string }
  | { type: 'screens.ended'; user_id: number; reason: string }
  | { type: 'error'; error: WireError };

/** Messages the server sends on /ws/dashboard. */
export type ServerMessage =
  | { type: 'hello'; server_version: string; user: User }
  | { type: 'device.online'; device: Device }
  | { type: 'device.updated'; device: Device }
  | { type: 'device.offline'; device_id: number; last_seen_at: number }
  | ActivityStateMessage
  | ScreensMessage
  | { type: 'pong' };
