import { SpeakersimError } from '../core/errors.js';

/**
 * Live view errors. Codes: ERR_UI_BAD_REQUEST (a fault request the page cannot mean),
 * ERR_UI_FORBIDDEN (a request from another origin or host name: the view answers only
 * itself on loopback), ERR_UI_NO_LAB (nothing attached yet, e.g. between `run` scenarios),
 * ERR_UI_LISTEN (the port could not be bound).
 */
export class LiveViewError extends SpeakersimError {}
