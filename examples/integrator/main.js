// The integrator's own script: bring in the widget from the package (it
// defines <isoloir-booth>), the page's own styles, and react to its events.
import 'isoloir/widget';
import './style.css';

const thanks = document.getElementById('merci');

// After each vote: a word in the page's own layout. `reference` is the
// bulletin reference the widget also shows on its receipt.
document.addEventListener('isoloir-cast', (event) => {
  thanks.hidden = false;
  thanks.textContent = `Merci : votre vote est enregistré (référence ${event.detail.reference}).`;
});

// Refusals and alarms: the widget shows them itself; an integrator may count
// them (here the console, with the stable reason only, never a code).
document.addEventListener('isoloir-error', (event) => {
  console.info('isoloir-error', event.detail.reason);
});
