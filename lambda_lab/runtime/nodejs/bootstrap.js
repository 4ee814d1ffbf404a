'use strict';
/**
 * lambda_lab's Node.js runtime: a Runtime API (2018-06-01) client that runs a
 * learner's handler the way AWS's nodejs20.x / nodejs22.x runtime does.
 *
 * It follows AWS's own client (aws-lambda-nodejs-runtime-interface-client, the
 * JavaScript line behind nodejs20.x/22.x): the same handler lookup, error names
 * and messages, context object, log lines, callback and 'beforeExit' rules, and
 * exit codes (129 uncaught exception, 128 unhandled rejection). Departures are
 * marked "DEPARTS FROM AWS". Node built-ins only; started as `node bootstrap.js`
 * with AWS's environment variables, in the function's code directory.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

// ---------------------------------------------------------------- errors ---
// AWS names its runtime errors "Runtime.<Class>" on the prototype, so a stack's
// first line reads e.g. "Runtime.ImportModuleError: Error: Cannot find module".
function runtimeErrorClass(name, makeMessage = (m) => m) {
  const cls = class extends Error {
    constructor(cause, extra) { super(makeMessage(cause)); Object.assign(this, extra); }
  };
  Object.defineProperty(cls, 'name', { value: name });
  cls.prototype.name = `Runtime.${name}`;
  return cls;
}
const ImportModuleError = runtimeErrorClass('ImportModuleError', String);
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError', String);
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const UnhandledPromiseRejection = runtimeErrorClass('UnhandledPromiseRejection');
// DEPARTS FROM AWS: nodejs20.x reports an unserialisable result as a plain
// "Error: Unable to stringify response body"; we give it Python's errorType.
const MarshalError = runtimeErrorClass('MarshalError');
const NodeJsExit = runtimeErrorClass('NodeJsExit', () => 'The Lambda runtime client detected an ' +
  'unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. ' +
  'For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes');

/** The body AWS posts to /error and /init/error (its Errors.toRapidResponse). */
function toRapidResponse(error) {
  if (!(util.types.isNativeError(error) || error instanceof Error)) {
    return { errorType: typeof error, errorMessage: String(error), trace: [] }; // e.g. throw 'oops'
  }
  return {
    errorType: error.name || (error.constructor && error.constructor.name) || 'Error',
    errorMessage: error.message,
    trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
  };
}

/** The JSON AWS logs after "Invoke Error" or "Uncaught Exception" (its Errors.toFormatted). */
function toFormatted(error) {
  const withProps = (_key, v) => (!(v instanceof Error) ? v : Object.assign(
    { errorType: v.name, errorMessage: v.message, code: v.code }, v,
    typeof v.stack === 'string' ? { stack: v.stack.split('\n') } : {}));
  try { return '\t' + JSON.stringify(error, withProps); } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// --------------------------------------------------------------- logging ---
// As AWS's LogPatch (text format, stdout): one line per console call,
// "<ISO time>\t<request id>\t<LEVEL>\t<util.format(...)>", the message's own "\n"
// written as "\r" so a record stays one line (the lab turns "\r" back into "\n",
// as CloudWatch shows one multi-line event). The request id sits under AWS's
// global symbol: undefined during INIT, printed "undefined" as AWS does.
// AWS_LAMBDA_LOG_LEVEL filters as on AWS. DEPARTS FROM AWS: no JSON log format.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };

/** Synchronous, so every line is in the log file before the result is posted. */
function writeOut(text) {
  const buf = Buffer.from(text, 'utf8');
  for (let off = 0; off < buf.length;) {
    try { off += fs.writeSync(1, buf, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; }
  }
}

function patchConsole() {
  const minimum = LEVELS[String(process.env.AWS_LAMBDA_LOG_LEVEL).toUpperCase()] || LEVELS.TRACE;
  const logger = (level) => (LEVELS[level] < minimum ? () => {} : (...args) => writeOut(
    `${new Date().toISOString()}\t${global[REQUEST_ID]}\t${level}\t${util.format(...args)}`
      .replace(/\n/g, '\r') + '\n'));
  Object.assign(console, {
    trace: logger('TRACE'), debug: logger('DEBUG'), info: logger('INFO'), log: logger('INFO'),
    warn: logger('WARN'), error: logger('ERROR'), fatal: logger('FATAL'),
  });
}

const logError = (label, err) =>
  console.error(label, toFormatted(err instanceof Error ? err : new Error(err)));

// ----------------------------------------------------- Runtime API client ---
const [API_HOST, API_PORT] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 }); // as AWS's RAPIDClient

/** One request to the Runtime API; resolves with { status, headers, body } once the reply ends. */
function callApi(method, urlPath, body, headers = {}) {
  if (body !== undefined) {
    headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers };
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: API_HOST, port: Number(API_PORT), method, agent, headers,
      path: `/2018-06-01/runtime${urlPath}` }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c)).on('error', reject).on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject).end(body);
  });
}

const nextInvocation = () => callApi('GET', '/invocation/next');
const postResponse = (id, json) => callApi('POST', `/invocation/${encodeURIComponent(id)}/response`, json);
const postInvocationError = (id, error) => postError(`/invocation/${encodeURIComponent(id)}/error`, error);
const postInitError = (error) => postError('/init/error', error);
function postError(urlPath, error) {
  const doc = toRapidResponse(error);
  const errorType = String(doc.errorType).replace(/[^\x20-\x7e]/g, ''); // a legal header value
  return callApi('POST', urlPath, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': errorType });
}

// ------------------------------------------------------ response streaming ---
// As AWS's nodejs runtimes: awslambda.streamifyResponse(handler) marks a handler
// (event, responseStream, context) whose response is POSTed to /response while
// it is written (Lambda-Runtime-Function-Response-Mode: streaming, chunked), an
// error mid-stream going in the trailers Lambda-Runtime-Function-Error-Type /
// -Body (base64). HttpResponseStream.from(stream, {statusCode, headers, cookies})
// puts the function URL's metadata first: its JSON, then 8 NUL bytes.
// https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const { Writable } = require('stream');

class ResponseStream extends Writable {
  constructor(id) {
    super();
    this.id = id;
    this.contentType = 'application/octet-stream';
    this.request = null;
    this.beforeFirstWrite = null;
    this.answered = new Promise((resolve, reject) => { this.settle = { resolve, reject }; });
  }
  setContentType(type) {
    if (this.request) throw new Error('Cannot set content-type, too late.');
    this.contentType = type;
  }
  open() {
    if (this.request) return;
    this.request = http.request({ host: API_HOST, port: Number(API_PORT), method: 'POST', agent,
      path: `/2018-06-01/runtime/invocation/${encodeURIComponent(this.id)}/response`,
      headers: { 'Content-Type': this.contentType, 'Lambda-Runtime-Function-Response-Mode': 'streaming',
        'Transfer-Encoding': 'chunked',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body' } }, (res) => {
      res.on('data', () => {}).on('end', () => this.settle.resolve(res.statusCode));
    });
    this.request.on('error', (err) => this.settle.reject(err));
    if (this.beforeFirstWrite) { const first = this.beforeFirstWrite; this.beforeFirstWrite = null; first(this.request); }
  }
  _write(chunk, encoding, done) { this.open(); this.request.write(chunk, encoding, done); }
  _final(done) { this.open(); this.request.end(done); }
  fail(error) {
    this.open();
    const doc = toRapidResponse(error);
    this.request.addTrailers({
      'Lambda-Runtime-Function-Error-Type': String(doc.errorType).replace(/[^\x20-\x7e]/g, ''),
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(doc)).toString('base64') });
    this.request.end();
  }
}

global.awslambda = {
  streamifyResponse(handler) { handler[STREAMING] = 'response'; return handler; },
  HttpResponseStream: class HttpResponseStream {
    static from(stream, prelude) {
      stream.setContentType('application/vnd.awslambda.http-integration-response');
      const metadata = JSON.stringify(prelude || {});
      stream.beforeFirstWrite = (request) => { request.write(metadata); request.write(Buffer.alloc(8)); };
      return stream;
    }
  },
};

async function handleStreaming(handler, id, event, context, scheduleNext) {
  const stream = new ResponseStream(id);
  try {
    await handler(event, stream, context);
    if (!stream.writableEnded) stream.end();
  } catch (err) {
    logError('Invoke Error', err);
    stream.fail(err);
  }
  try { await stream.answered; } catch (_) { /* the lab closed the environment */ }
  scheduleNext();
}

// ---------------------------------------------------------- user function ---
// AWS's UserFunction.load: "<dir>/<module>.<export path>", where the module is
// the basename up to its FIRST dot (so "index.a.b" is export a.b of index).
async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(`'${fullHandler}' is not a valid handler name. ` +
      'Use absolute paths when specifying root directories in handler names.');
  }
  const base = path.basename(fullHandler);
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(base));
  const userModule = await loadUserModule(appRoot, moduleRoot, match[1]);
  const handler = match[2].split('.').reduce((obj, key) => obj && obj[key], userModule);
  if (!handler) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

/** Load failures as AWS reports them: SyntaxError and MODULE_NOT_FOUND get Runtime.* names. */
async function loadUserModule(appRoot, moduleRoot, moduleName) {
  try {
    return await tryLoad(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e, { stack: e.stack });
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e; // any other throw at the module's top level keeps its own name
  }
}

/** AWS's order: bare path, .js (CommonJS), .js (ES module package), .mjs, .cjs, then Node's resolver. */
async function tryLoad(appRoot, moduleRoot, moduleName) {
  const file = path.resolve(appRoot, moduleRoot, moduleName);
  const requireIf = (p) => (fs.existsSync(p) ? require(p) : undefined);
  const importIf = async (p) => (fs.existsSync(p) ? import(pathToFileURL(p).href) : undefined);
  const esm = isEsmPackage(path.dirname(file));
  const loaded = requireIf(file) || (!esm && requireIf(file + '.js')) ||
    (esm && (await importIf(file + '.js'))) || (await importIf(file + '.mjs')) || requireIf(file + '.cjs');
  // The fallback is AWS's too; its error is the familiar "Cannot find module 'index'\nRequire stack:".
  return loaded || require(require.resolve(moduleName, { paths: [appRoot, moduleRoot] }));
}

/** True when the nearest package.json (not looking past node_modules) says "type": "module". */
function isEsmPackage(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try { return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module'; } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  return folder !== path.dirname(folder) && isEsmPackage(path.dirname(folder));
}

// ----------------------------------------------------------- invoke loop ---
// As AWS's Runtime.js: one 'beforeExit' listener, replaced by each invocation;
// the error callbacks post to /init/error until the first event, then to that
// invocation's /error, and end the process.
let beforeExitListener = () => {};
const errorCallbacks = {
  uncaughtException: (err) => postInitError(err).finally(() => process.exit(129)),
  unhandledRejection: (err) => postInitError(err).finally(() => process.exit(128)),
};

function scheduleIteration(handler) {
  setImmediate(() => handleOnce(handler).catch((err) => {
    console.log(`Unexpected Top Level Error: ${err.toString()}`);
    errorCallbacks.uncaughtException(err);
  }));
}

async function handleOnce(handler) {
  const { status, headers, body } = await nextInvocation();
  // DEPARTS FROM AWS (there a failed /next is reported and exits 129): a refused
  // /next means the lab is closing this environment, so leave quietly.
  if (status !== 200) process.exit(1);
  const id = headers['lambda-runtime-aws-request-id'];
  global[REQUEST_ID] = id;
  const scheduleNext = () => scheduleIteration(handler);
  const { callback, callbackContext, markCompleted } = buildCallbackContext(id, scheduleNext);
  errorCallbacks.uncaughtException = (err) => postInvocationError(id, err).finally(() => process.exit(129));
  errorCallbacks.unhandledRejection = (err) => postInvocationError(id, err).finally(() => process.exit(128));

  // The event loop emptied and nobody answered: an async handler's promise never
  // settled (an error); a sync handler never called back (the result is null).
  const isAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  beforeExitListener = () => {
    markCompleted();
    beforeExitListener = () => {};
    if (!isAsync) return postResponse(id, 'null').then(scheduleNext);
    const err = new NodeJsExit();
    logError('Invoke Error', err);
    return postInvocationError(id, err).then(scheduleNext);
  };
  try {
    if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    const context = Object.assign(callbackContext, contextData(headers));
    if (handler[STREAMING] === 'response') {
      markCompleted();
      beforeExitListener = () => {};
      return handleStreaming(handler, id, JSON.parse(body), context, scheduleNext);
    }
    // As AWS: the callback is always passed; a returned promise settles the invocation.
    const result = handler(JSON.parse(body), context, callback);
    if (result && typeof result.then === 'function') {
      result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
    }
  } catch (err) {
    callback(err);
  }
}

/** AWS's InvokeContext: the context's fields, from the environment and the /next headers. */
function contextData(headers) {
  const parseJson = (value, name) => {
    if (value === undefined) return undefined;
    try { return JSON.parse(value); } catch (err) { throw new Error(`Cannot parse ${name} as json: ${err}`); }
  };
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  return {
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseJson(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJson(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/**
 * AWS's CallbackContext: callback(err, result), context.done/succeed/fail and
 * callbackWaitsForEmptyEventLoop; only the first of them counts. With
 * callbackWaitsForEmptyEventLoop true (the default) the result is posted once
 * the event loop is empty ('beforeExit'), exactly as AWS does: a pending timer
 * or open socket holds the response back until it ends (or the timeout).
 */
function buildCallbackContext(requestId, scheduleNext) {
  let completed = false;
  let finished = false;
  let waitForEmptyEventLoop = true;

  const postFailure = (err) => {
    logError('Invoke Error', err);
    postInvocationError(requestId, err).then(scheduleNext);
  };
  const complete = (result) => {
    if (completed) {
      console.error('Invocation has already been reported as done. ' +
        'Cannot call complete more than once per invocation.');
      return;
    }
    completed = true;
    let json;
    try { json = JSON.stringify(result === undefined ? null : result); } catch (e) { json = e; }
    if (typeof json === 'string') return postResponse(requestId, json).then(scheduleNext);
    const err = new MarshalError('Unable to stringify response body'); // circular, BigInt, a function...
    if (json instanceof Error) err.stack = `${err.name}: ${err.message}\n${json.stack}`;
    return postFailure(err);
  };
  const done = (err, result) => {
    beforeExitListener = () => {};
    return err !== undefined && err !== null ? postFailure(err) : complete(result);
  };
  const callback = (err, result) => {
    if ((err !== undefined && err !== null) || !waitForEmptyEventLoop) return done(err, result);
    beforeExitListener = () => { beforeExitListener = () => {}; setImmediate(() => complete(result)); };
  };
  const firstOnly = (fn) => (...args) => { if (!finished) { finished = true; fn(...args); } };

  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() { return waitForEmptyEventLoop; },
    set callbackWaitsForEmptyEventLoop(value) { waitForEmptyEventLoop = value; },
    succeed: firstOnly((result) => done(null, result)),
    fail: firstOnly((err) => done(err === undefined || err === null ? 'handled' : err)),
    done: firstOnly(done),
  };
  return { callback: firstOnly(callback), callbackContext, markCompleted: () => { completed = true; } };
}

// ------------------------------------------------------------------ main ---
async function main() {
  patchConsole();
  process.on('uncaughtException', (err) => {
    logError('Uncaught Exception', err);
    errorCallbacks.uncaughtException(err);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const err = new UnhandledPromiseRejection(reason, { reason, promise });
    logError('Unhandled Promise Rejection', err);
    errorCallbacks.unhandledRejection(err);
  });
  process.on('beforeExit', () => beforeExitListener());
  // A load failure takes AWS's road: logged as "Uncaught Exception", posted to
  // /init/error, exit 129.
  const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const handler = await loadHandler(appRoot, process.env._HANDLER || '');
  scheduleIteration(handler);
}

main().catch((err) => process.emit('uncaughtException', err));
