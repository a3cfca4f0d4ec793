const html = `<p>Old price: <s>${old}</s> <b>${price}</b></p>`;
