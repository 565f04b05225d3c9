import { ApiClient, withQuery } from './client';
import type {
  ApiTokenInfo,
  InputMinute,
  LivePerson,
  PersonWebsites,
  RedactionPolicy,
  TeamWebsites,
  Timeline,
  TrackingPatch,
  TrackingPolicy,
  AuditFilter,
  AuditPage,
  AuditVerification,
  Department,
  Device,
  EnrollmentToken,
  EnrollmentTokenInfo,
  Invitation,
  InvitationPreview,
  LoginResult,
  NewApiToken,
  NewPerson,
  OrgDetails,
  OrgPatch,
  PeopleFilter,
  Person,
  PersonPatch,
  Scope,
  Session,
  SessionInfo,
  Team,
  TeamMember,
  TotpSetup,
  Version,
} from './types';

export { ApiError, messageOf, type FetchFn } from './client';

const id = (value: number): string => String(Math.trunc(value));

/**
 * The dashboard's client for /api/v1 (docs/api/v1.md and the accounts contract). Calls that
 * start a session remember its CSRF token; failures are ApiError.
 */
export class Api extends ApiClient {
  private remember<T extends { csrf_token?: string }>(session: T): T {
    if (session.csrf_token) this.setCsrfToken(session.csrf_token);
    return session;
  }

  // --- sign-in and the own account ---

  async me(): Promise<Session> {
    return this.remember(await this.callJson<Session>('GET', '/api/v1/me'));
  }

  async login(email: string, password: string): Promise<LoginResult> {
    const result = await this.callJson<LoginResult>('POST', '/api/v1/auth/login', { email, password }, { anonymous: true });
    return 'mfa_required' in result ? result : this.remember(result);
  }

  async loginSecondFactor(challenge: string, code: string): Promise<Session> {
    return this.remember(
      await this.callJson<Session>('POST', '/api/v1/auth/login/2fa', { challenge, code }, { anonymous: true }),
    );
  }

  async logout(): Promise<void> {
    // An empty JSON object: cookie-authenticated writes carry application/json (the CSRF rule).
    await this.call('POST', '/api/v1/auth/logout', {});
    this.setCsrfToken('');
  }

  async signupEnabled(): Promise<boolean> {
    const body = await this.callJson<{ enabled: boolean }>('GET', '/api/v1/signup', undefined, { anonymous: true });
    return body.enabled === true;
  }

  async signup(form: { org_name: string; name: string; email: string; password: string }): Promise<Session> {
    return this.remember(await this.callJson<Session>('POST', '/api/v1/signup', form, { anonymous: true }));
  }

  invitation(token: string): Promise<InvitationPreview> {
    return this.callJson('GET', `/api/v1/invitations/${encodeURIComponent(token)}`, undefined, { anonymous: true });
  }

  async acceptInvitation(form: { token: string; password: string; name?: string }): Promise<Session> {
    return this.remember(await this.callJson<Session>('POST', '/api/v1/invitations/accept', form, { anonymous: true }));
  }

  async updateMe(name: string): Promise<Person> {
    return (await this.callJson<{ user: Person }>('PATCH', '/api/v1/me', { name })).user;
  }

  async changePassword(current_password: string, new_password: string): Promise<void> {
    await this.call('POST', '/api/v1/me/password', { current_password, new_password });
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.callJson<{ sessions: SessionInfo[] }>('GET', '/api/v1/me/sessions')).sessions;
  }

  async revokeSession(sessionId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/me/sessions/${id(sessionId)}`);
  }

  async revokeOtherSessions(): Promise<void> {
    await this.call('DELETE', '/api/v1/me/sessions');
  }

  setupTotp(): Promise<TotpSetup> {
    return this.callJson('POST', '/api/v1/me/2fa/setup', {});
  }

  async enableTotp(code: string, password: string): Promise<string[]> {
    return (await this.callJson<{ recovery_codes: string[] }>('POST', '/api/v1/me/2fa/enable', { code, password })).recovery_codes;
  }

  async disableTotp(password: string): Promise<void> {
    await this.call('POST', '/api/v1/me/2fa/disable', { password });
  }

  async newRecoveryCodes(password: string): Promise<string[]> {
    const body = await this.callJson<{ recovery_codes: string[] }>('POST', '/api/v1/me/2fa/recovery-codes', { password });
    return body.recovery_codes;
  }

  async apiTokens(): Promise<ApiTokenInfo[]> {
    return (await this.callJson<{ tokens: ApiTokenInfo[] }>('GET', '/api/v1/api-tokens')).tokens;
  }

  createApiToken(form: { name: string; scopes: Scope[]; ttl_days?: number }): Promise<NewApiToken> {
    return this.callJson('POST', '/api/v1/api-tokens', form);
  }

  async revokeApiToken(tokenId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/api-tokens/${id(tokenId)}`);
  }

  // --- the organization and its structure ---

  org(): Promise<OrgDetails> {
    return this.callJson('GET', '/api/v1/org');
  }

  updateOrg(patch: OrgPatch): Promise<OrgDetails> {
    return this.callJson('PATCH', '/api/v1/org', patch);
  }

  async departments(): Promise<Department[]> {
    return (await this.callJson<{ departments: Department[] }>('GET', '/api/v1/departments')).departments;
  }

  createDepartment(form: { name: string; parent_id?: number | null }): Promise<Department> {
    return this.callJson('POST', '/api/v1/departments', form);
  }

  updateDepartment(departmentId: number, patch: { name?: string; parent_id?: number | null }): Promise<Department> {
    return this.callJson('PATCH', `/api/v1/departments/${id(departmentId)}`, patch);
  }

  async deleteDepartment(departmentId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/departments/${id(departmentId)}`);
  }

  async teams(): Promise<Team[]> {
    return (await this.callJson<{ teams: Team[] }>('GET', '/api/v1/teams')).teams;
  }

  createTeam(form: { name: string; department_id: number }): Promise<Team> {
    return this.callJson('POST', '/api/v1/teams', form);
  }

  updateTeam(teamId: number, patch: { name?: string; department_id?: number }): Promise<Team> {
    return this.callJson('PATCH', `/api/v1/teams/${id(teamId)}`, patch);
  }

  async deleteTeam(teamId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/teams/${id(teamId)}`);
  }

  async teamMembers(teamId: number): Promise<TeamMember[]> {
    return (await this.callJson<{ members: TeamMember[] }>('GET', `/api/v1/teams/${id(teamId)}/members`)).members;
  }

  putTeamMember(teamId: number, userId: number, isManager: boolean): Promise<TeamMember> {
    return this.callJson('PUT', `/api/v1/teams/${id(teamId)}/members/${id(userId)}`, { is_manager: isManager });
  }

  async removeTeamMember(teamId: number, userId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/teams/${id(teamId)}/members/${id(userId)}`);
  }

  // --- people ---

  /** Every person matching `filter`: follows the list's pages (`next`) to the end. */
  async people(filter: PeopleFilter = {}): Promise<Person[]> {
    const people: Person[] = [];
    let after: string | null = null;
    do {
      const path = withQuery('/api/v1/people', {
        status: filter.status,
        department_id: filter.department_id,
        team_id: filter.team_id,
        q: filter.q?.trim(),
        after,
      });
      const page: { people: Person[]; next?: string | null } = await this.callJson('GET', path);
      people.push(...page.people);
      after = typeof page.next === 'string' && page.next !== after ? page.next : null;
    } while (after !== null);
    return people;
  }

  person(personId: number): Promise<Person> {
    return this.callJson('GET', `/api/v1/people/${id(personId)}`);
  }

  invitePerson(form: NewPerson): Promise<{ person: Person; invitation: Invitation }> {
    return this.callJson('POST', '/api/v1/people', form);
  }

  updatePerson(personId: number, patch: PersonPatch): Promise<Person> {
    return this.callJson('PATCH', `/api/v1/people/${id(personId)}`, patch);
  }

  /** Deletes an invited person and their invitation links (409 for anyone not invited). */
  async cancelInvitation(personId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/people/${id(personId)}`);
  }

  reissueInvitation(personId: number): Promise<Invitation> {
    return this.callJson('POST', `/api/v1/people/${id(personId)}/invitation`, {});
  }

  // --- devices ---

  async devices(): Promise<Device[]> {
    return (await this.callJson<{ devices: Device[] }>('GET', '/api/v1/devices')).devices;
  }

  updateDevice(deviceId: number, patch: { name?: string; user_id?: number | null }): Promise<Device> {
    return this.callJson('PATCH', `/api/v1/devices/${id(deviceId)}`, patch);
  }

  revokeDevice(deviceId: number): Promise<Device> {
    return this.callJson('POST', `/api/v1/devices/${id(deviceId)}/revoke`, {});
  }

  createEnrollmentToken(form: { uses?: number; ttl_s?: number; label?: string } = { uses: 1 }): Promise<EnrollmentToken> {
    return this.callJson('POST', '/api/v1/enrollment-tokens', form);
  }

  /** The pin of the server's TLS key for agents to trust (owners and admins); null without TLS. */
  async serverTlsPin(): Promise<string | null> {
    return (await this.callJson<{ pin_sha256: string | null }>('GET', '/api/v1/server/tls')).pin_sha256;
  }

  async enrollmentTokens(): Promise<EnrollmentTokenInfo[]> {
    return (await this.callJson<{ tokens: EnrollmentTokenInfo[] }>('GET', '/api/v1/enrollment-tokens')).tokens;
  }

  async revokeEnrollmentToken(tokenId: number): Promise<void> {
    await this.call('DELETE', `/api/v1/enrollment-tokens/${id(tokenId)}`);
  }

  // --- activity (issue 4) ---

  /** Every visible active person of the organization with what they are doing now, by name. */
  async liveActivity(): Promise<LivePerson[]> {
    return (await this.callJson<{ people: LivePerson[] }>('GET', '/api/v1/activity/live')).people;
  }

  /** A person's spans, totals, top apps and titles, and 10-minute slots in [from, to) (at most 7 days). */
  timeline(personId: number, from: number, to: number): Promise<Timeline> {
    return this.callJson('GET', withQuery(`/api/v1/people/${id(personId)}/timeline`, { from: id(from), to: id(to) }));
  }

  /** A person's input counts per minute in [from, to) (at most 7 days). */
  async input(personId: number, from: number, to: number): Promise<InputMinute[]> {
    const path = withQuery(`/api/v1/people/${id(personId)}/input`, { from: id(from), to: id(to) });
    return (await this.callJson<{ minutes: InputMinute[] }>('GET', path)).minutes;
  }

  tracking(): Promise<TrackingPolicy> {
    return this.callJson('GET', '/api/v1/org/tracking');
  }

  /** Owners and admins: changes the given fields; the online agents get the new policy at once. */
  updateTracking(patch: TrackingPatch): Promise<TrackingPolicy> {
    return this.callJson('PUT', '/api/v1/org/tracking', patch);
  }

  /** Whether a person's tracking is paused (anyone who may view the person). */
  async trackingPaused(personId: number): Promise<boolean> {
    const body = await this.callJson<{ user_id: number; paused: boolean }>('GET', `/api/v1/people/${id(personId)}/tracking`);
    return body.paused;
  }

  /** Owners and admins: pauses (restriction of processing) or resumes a person's tracking. */
  async setTrackingPaused(personId: number, paused: boolean): Promise<boolean> {
    const body = await this.callJson<{ user_id: number; paused: boolean }>('PUT', `/api/v1/people/${id(personId)}/tracking`, { paused });
    return body.paused;
  }

  // --- websites and redaction (issue 5) ---

  /** A person's non-idle time per domain in [from, to) (at most 31 days), top pages per domain. */
  personWebsites(personId: number, from: number, to: number): Promise<PersonWebsites> {
    return this.callJson('GET', withQuery(`/api/v1/people/${id(personId)}/websites`, { from: id(from), to: id(to) }));
  }

  /** A team's time per domain in [from, to) with who spent it (owners, admins, its managers). */
  teamWebsites(teamId: number, from: number, to: number): Promise<TeamWebsites> {
    return this.callJson('GET', withQuery(`/api/v1/teams/${id(teamId)}/websites`, { from: id(from), to: id(to) }));
  }

  /** What the agents keep of titles and URLs (every member may read it). */
  redaction(): Promise<RedactionPolicy> {
    return this.callJson('GET', '/api/v1/org/redaction');
  }

  /** Owners and admins: replaces the policy; the online agents get it at once. */
  updateRedaction(policy: RedactionPolicy): Promise<RedactionPolicy> {
    return this.callJson('PUT', '/api/v1/org/redaction', policy);
  }

  // --- audit log ---

  audit(filter: AuditFilter = {}): Promise<AuditPage> {
    const path = withQuery('/api/v1/audit', {
      action: filter.action?.trim(),
      actor_user_id: filter.actor_user_id,
      subject_user_id: filter.subject_user_id,
      from: filter.from,
      to: filter.to,
      before_seq: filter.before_seq,
      limit: filter.limit,
    });
    return this.callJson('GET', path);
  }

  verifyAudit(): Promise<AuditVerification> {
    return this.callJson('GET', '/api/v1/audit/verify');
  }

  version(): Promise<Version> {
    return this.callJson('GET', '/api/v1/version', undefined, { anonymous: true });
  }
}
