export { loginCommand } from './login.js';
export { logoutCommand } from './logout.js';
export { whoamiCommand } from './whoami.js';
