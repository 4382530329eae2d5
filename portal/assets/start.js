// Progressive enhancement only: every page works without this.
import { initAll } from './govuk-frontend.min.js'
initAll()
