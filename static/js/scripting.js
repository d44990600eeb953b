/* Loaded before the page is drawn: marks that scripts run, so the page's styles can show the
   menu button (it needs a script) and hide the menu behind it, without the page jumping. */
document.documentElement.classList.add("js");
