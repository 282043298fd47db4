// An EPCIS 2.0 document as a partner's system makes it with epcis2.js (the EPCIS 2.0 SDK of
// EVRYTHNG and Zebra), for tests/contract/epcis.py to send to POST /epcis/capture: two
// ObjectEvents of a lot, one with a readPoint and an extension of our vocabulary, its eventID
// computed by the SDK's own CBV 2.0 event hash.
//
// Usage: node epcis2_document.js VOCABULARY_URI LOT_URI > document.json
const { EPCISDocument, ObjectEvent, QuantityElement, ReadPoint, cbv } = require('epcis2.js');

const [voc, lot] = process.argv.slice(2);
const packing = new ObjectEvent()
  .setAction(cbv.actionTypes.observe)
  .setEventTime('2026-04-01T08:00:00.000+07:00')
  .setBizStep(cbv.bizSteps.packing)
  .addQuantity(new QuantityElement().setEpcClass(lot).setQuantity(500).setUom('KGM'))
  .setReadPoint(new ReadPoint().setId('urn:epc:id:sgln:8934588.00002.0'));
packing.addExtension('ocop:description', 'Đóng túi 5 kg');
packing.generateHashID({ ocop: voc });
const inspecting = new ObjectEvent()
  .setAction(cbv.actionTypes.observe)
  .setEventTime('2026-04-01T10:00:00.000+07:00')
  .setBizStep(cbv.bizSteps.inspecting)
  .addQuantity(new QuantityElement().setEpcClass(lot));
const doc = new EPCISDocument()
  .setContext(['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld', { ocop: voc }])
  .setCreationDate(new Date().toISOString())
  .addEvent(packing)
  .addEvent(inspecting);
if (!doc.isValid()) {
  throw new Error('epcis2.js finds its own document invalid');
}
process.stdout.write(doc.toString());
