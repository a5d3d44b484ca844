import { createRoute } from '@hono/zod-openapi';
import type { AppDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { bearerSecurity, createRouter, errorResponses } from '../http/router.js';
import { LoginRequest, LoginResponse, MeResponse, SetupRequest } from '../../shared/api.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { createSession, invalidateSession, invalidateUserSessions } from './sessions.js';
import { accountRule, clearFailures, ipRule, recordFailure, retryAfter } from './throttle.js';
import { addMembership, createBusiness, createUser, countUsers } from './users.js';
import { consumeSetupCode } from './setup.js';
import { sessionFor } from './middleware.js';
import { audit } from '../audit.js';

const setupRoute = createRoute({
  method: 'post',
  path: '/api/setup',
  tags: ['Auth'],
  summary: 'Create the first admin with the one-time setup code the server printed',
  request: { body: { content: { 'application/json': { schema: SetupRequest } }, required: true } },
  responses: {
    201: { description: 'The first admin and their business exist; you are signed in.', content: { 'application/json': { schema: LoginResponse } } },
    ...errorResponses(400, 403, 409, 429),
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['Auth'],
  summary: 'Sign in with email and password',
  request: { body: { content: { 'application/json': { schema: LoginRequest } }, required: true } },
  responses: {
    200: { description: 'Signed in.', content: { 'application/json': { schema: LoginResponse } } },
    ...errorResponses(400, 401, 429),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  tags: ['Auth'],
  summary: 'Sign out this session',
  security: bearerSecurity,
  responses: { 204: { description: 'Signed out.' }, ...errorResponses(401) },
});

const logoutAllRoute = createRoute({
  method: 'post',
  path: '/api/auth/logout-all',
  tags: ['Auth'],
  summary: 'Sign out everywhere (every session of this user)',
  security: bearerSecurity,
  responses: { 204: { description: 'Every session of this user has ended.' }, ...errorResponses(401) },
});

const meRoute = createRoute({
  method: 'get',
  path: '/api/me',
  tags: ['Auth'],
  summary: 'Who is signed in, and their businesses with their role in each',
  security: bearerSecurity,
  responses: { 200: { description: 'The signed-in user.', content: { 'application/json': { schema: MeResponse } } }, ...errorResponses(401) },
});

export function authRoutes(deps: AppDeps) {
  const now = () => deps.clock.now().getTime();
  const ttl = deps.config.sessionDays * 24 * 60 * 60 * 1000;
  const session = sessionFor(deps);
  const router = createRouter();

  const signedIn = async (userId: string) => {
    const { token, session } = await createSession(deps.db, userId, now(), ttl);
    const user = await deps.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    return {
      token,
      expiresAt: new Date(session.expiresAt).toISOString(),
      user: { id: user.id, email: user.email, name: user.name, isServerAdmin: user.is_server_admin === 1 },
    };
  };

  const throttled = (ms: number) =>
    new ApiError(429, 'too_many_attempts', `Too many sign-in attempts. Try again in ${Math.ceil(ms / 60000)} minute(s).`, undefined, {
      'retry-after': String(Math.ceil(ms / 1000)),
    });

  router.openapi(setupRoute, async (c) => {
    const body = c.req.valid('json');
    const ipKey = `ip:${c.get('clientIp')}`;
    const wait = await retryAfter(deps.db, ipKey, ipRule, now());
    if (wait > 0) throw throttled(wait);
    if ((await countUsers(deps.db)) > 0) {
      throw new ApiError(409, 'already_set_up', 'This server already has an admin. Sign in instead.');
    }
    if (!(await consumeSetupCode(deps.db, body.setupCode))) {
      await recordFailure(deps.db, ipKey, ipRule, now());
      throw new ApiError(403, 'invalid_setup_code', 'That setup code is not right. Use the code the server printed when it started.', [
        { path: 'setupCode', message: 'is not the code the server printed' },
      ]);
    }
    const at = now();
    const userId = await createUser(deps.db, { ...body, isServerAdmin: true, now: at, cost: deps.passwordCost });
    const businessId = await createBusiness(deps.db, { name: body.businessName, now: at });
    await addMembership(deps.db, { userId, businessId, role: 'business_admin', now: at });
    await audit(deps.db, { businessId, userId, action: 'server.setup', detail: { email: body.email }, at });
    deps.logger.info({ userId }, 'first admin created');
    return c.json(await signedIn(userId), 201);
  });

  router.openapi(loginRoute, async (c) => {
    const { email, password } = c.req.valid('json');
    const accountKey = `account:${email}`;
    const ipKey = `ip:${c.get('clientIp')}`;
    const wait = Math.max(
      await retryAfter(deps.db, accountKey, accountRule, now()),
      await retryAfter(deps.db, ipKey, ipRule, now()),
    );
    if (wait > 0) throw throttled(wait);

    const user = await deps.db.selectFrom('users').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirst();
    // Always pay for one hash, so a missing account answers as slowly as a wrong password.
    const valid = await verifyPassword(password, user?.password_hash ?? (await decoyHash(deps.passwordCost)));
    if (!user || !valid) {
      await recordFailure(deps.db, accountKey, accountRule, now());
      await recordFailure(deps.db, ipKey, ipRule, now());
      throw new ApiError(401, 'invalid_credentials', 'The email or password is not right.');
    }
    await clearFailures(deps.db, accountKey);
    return c.json(await signedIn(user.id), 200);
  });

  router.use('/api/auth/logout', session);
  router.use('/api/auth/logout-all', session);
  router.use('/api/me', session);

  router.openapi(logoutRoute, async (c) => {
    await invalidateSession(deps.db, c.get('session').id);
    return c.body(null, 204);
  });

  router.openapi(logoutAllRoute, async (c) => {
    await invalidateUserSessions(deps.db, c.get('user').id);
    return c.body(null, 204);
  });

  router.openapi(meRoute, async (c) => {
    const user = c.get('user');
    const rows = await deps.db
      .selectFrom('memberships')
      .innerJoin('businesses', 'businesses.id', 'memberships.business_id')
      .select(['businesses.id', 'businesses.name', 'memberships.role'])
      .where('memberships.user_id', '=', user.id)
      .orderBy('businesses.name')
      .execute();
    return c.json({ user, memberships: rows.map((r) => ({ business: { id: r.id, name: r.name }, role: r.role })) }, 200);
  });

  return router;
}

