package style

// UserAgentCSS is the user-agent style sheet: Chromium's defaults
// (third_party/blink/renderer/core/html/resources/html.css) for the
// elements this browser supports, with margin-block/-inline written as
// their physical sides for horizontal text.
const UserAgentCSS = `
html, address, blockquote, body, center, dialog, div, figure, figcaption,
footer, form, header, hr, legend, listing, main, p, plaintext, pre, search,
xmp, article, aside, h1, h2, h3, h4, h5, h6, hgroup, nav, section,
ul, ol, dl, dt, dd, table, tr, td, th, details, summary { display: block }
head, link, meta, script, style, title, template, noscript, base { display: none }
[hidden] { display: none }
body { margin: 8px }
p { margin-top: 1em; margin-bottom: 1em }
blockquote { margin: 1em 40px }
figure { margin: 1em 40px }
dl { margin-top: 1em; margin-bottom: 1em }
dd { margin-left: 40px }
h1 { font-size: 2em; margin-top: 0.67em; margin-bottom: 0.67em; font-weight: bold }
h2 { font-size: 1.5em; margin-top: 0.83em; margin-bottom: 0.83em; font-weight: bold }
h3 { font-size: 1.17em; margin-top: 1em; margin-bottom: 1em; font-weight: bold }
h4 { margin-top: 1.33em; margin-bottom: 1.33em; font-weight: bold }
h5 { font-size: 0.83em; margin-top: 1.67em; margin-bottom: 1.67em; font-weight: bold }
h6 { font-size: 0.67em; margin-top: 2.33em; margin-bottom: 2.33em; font-weight: bold }
ul, ol { margin-top: 1em; margin-bottom: 1em; padding-left: 40px }
ul { list-style-type: disc }
ol { list-style-type: decimal }
li { display: list-item }
ul ul, ol ul, ul ol, ol ol { margin-top: 0; margin-bottom: 0 }
ul ul, ol ul { list-style-type: circle }
pre, xmp, plaintext, listing { white-space: pre; font-family: monospace; margin-top: 1em; margin-bottom: 1em }
code, kbd, samp, tt { font-family: monospace }
hr { color: gray; border-style: inset; border-width: 1px; margin: 0.5em auto }
b, strong { font-weight: bold }
i, em, cite, var, dfn, address { font-style: italic }
small { font-size: smaller }
big { font-size: larger }
a:any-link { color: #0000ee; text-decoration: underline }
center { text-align: center }
`
