// The Netlify Build plugin as netlify.toml names it: `package = "./node_modules/linkback/netlify"` (Netlify takes
// a package name or a path, not a package's subpath). Netlify reads manifest.yml beside this file. Runs the built
// plugin (dist/, made by `npm run build`), the module the package's "./netlify" export names too.
export { onSuccess } from '../dist/integrations/netlify.js';
