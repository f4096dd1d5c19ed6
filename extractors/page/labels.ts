// Field labels as sites write them, in English and the region's languages. Matching is done on
// normalised text (transliterated, lower-case, no diacritics), so each label is written once in its
// own script and still matches Cyrillic, Latin and Greek spellings.
import { normalise } from '../normalise.js';

export type LabelField =
  | 'shipsFrom'
  | 'shipsTo'
  | 'vendor'
  | 'price'
  | 'category'
  | 'description'
  | 'quantity'
  | 'title'
  | 'author'
  | 'postedAt';

const LABELS: Record<LabelField, string[]> = {
  shipsFrom: [
    'ships from',
    'ship from',
    'shipping from',
    'shipped from',
    'sent from',
    'sends from',
    'dispatch from',
    'dispatched from',
    'dispatches from',
    'origin',
    'country of origin',
    'origin country',
    'location',
    'from',
    'ships from country',
    'shipping origin',
    'product origin',
    // sq
    'dërgohet nga',
    'dërgesa nga',
    'nisur nga',
    'origjina',
    'vendndodhja',
    'niset nga',
    // sr / hr / bs / me (Latin and Cyrillic)
    'šalje se iz',
    'slanje iz',
    'poslato iz',
    'dostava iz',
    'isporuka iz',
    'porijeklo',
    'poreklo',
    'porjeklo',
    'lokacija',
    'шаље се из',
    'достава из',
    'испорука из',
    'порекло',
    // mk
    'испорака од',
    'се испраќа од',
    'потекло',
    // bg
    'изпраща се от',
    'доставка от',
    'изпращане от',
    'произход',
    'местоположение',
    // ru
    'доставка из',
    'отправка из',
    'откуда',
    // el
    'αποστολή από',
    'αποστέλλεται από',
    'προέλευση',
    'τοποθεσία',
    // hu
    'szállítás innen',
    'szállítás helye',
    'feladás helye',
    'származási hely',
    'származás',
    'honnan',
    // tr
    'gönderim yeri',
    'gönderen ülke',
    'menşei',
    'çıkış ülkesi',
    'kargo çıkışı',
    'nereden',
    'konum',
    // ro
    'expediere din',
    'expediat din',
    'trimis din',
    'origine',
    'țara de origine',
    'locație',
  ],
  shipsTo: [
    'ships to',
    'ship to',
    'shipping to',
    'shipping destinations',
    'destinations',
    'destination',
    'delivers to',
    'delivery to',
    'deliver to',
    'ships worldwide to',
    'to',
    'dërgohet në',
    'dërgesa në',
    'destinacioni',
    'dostava u',
    'dostava za',
    'isporuka u',
    'šalje se u',
    'достава у',
    'шаље се у',
    'испорака до',
    'се испраќа до',
    'изпраща се до',
    'доставка до',
    'αποστολή σε',
    'αποστολή προς',
    'προορισμός',
    'szállítás ide',
    'szállítási cél',
    'célország',
    'gönderim bölgesi',
    'gönderilen ülkeler',
    'teslimat',
    'nereye',
    'livrare în',
    'livrare in',
    'expediere către',
    'expediere in',
    'destinație',
  ],
  vendor: [
    'vendor',
    'seller',
    'sold by',
    'merchant',
    'shop',
    'store',
    'vendor name',
    'dealer',
    'posted by',
    'by',
    'shitësi',
    'shitës',
    'prodavac',
    'prodavač',
    'prodavec',
    'продавач',
    'продавец',
    'продавач',
    'πωλητής',
    'eladó',
    'satıcı',
    'vânzător',
    'furnizor',
    'trgovac',
  ],
  price: ['price', 'cost', 'çmimi', 'cena', 'cijena', 'цена', 'цена', 'τιμή', 'ár', 'fiyat', 'preț', 'pret'],
  category: [
    'category',
    'categories',
    'section',
    'kategoria',
    'kategorija',
    'категорија',
    'категория',
    'κατηγορία',
    'kategória',
    'kategori',
    'categorie',
    'categoria',
    'rubrika',
  ],
  description: [
    'description',
    'details',
    'përshkrimi',
    'opis',
    'опис',
    'описание',
    'περιγραφή',
    'leírás',
    'açıklama',
    'descriere',
  ],
  quantity: [
    'quantity',
    'qty',
    'amount',
    'sasia',
    'količina',
    'количина',
    'количество',
    'ποσότητα',
    'mennyiség',
    'miktar',
    'cantitate',
  ],
  title: [
    'title',
    'item',
    'product',
    'name',
    'naslov',
    'titulli',
    'заглавие',
    'наслов',
    'τίτλος',
    'cím',
    'başlık',
    'titlu',
  ],
  author: ['author', 'posted by', 'autor', 'autori', 'автор', 'συντάκτης', 'szerző', 'yazar'],
  postedAt: ['posted', 'date', 'posted on', 'datum', 'data', 'дата', 'датум', 'ημερομηνία', 'dátum', 'tarih'],
};

let index: Map<string, LabelField> | null = null;

function buildIndex(): Map<string, LabelField> {
  const m = new Map<string, LabelField>();
  for (const [field, labels] of Object.entries(LABELS) as Array<[LabelField, string[]]>) {
    for (const l of labels) {
      const key = normalise(l);
      if (!m.has(key)) m.set(key, field);
    }
  }
  return m;
}

/** The field a label names ("Ships from:", "Доставка из", "Αποστολή από") or null. */
export function labelField(text: string): LabelField | null {
  if (text.length > 60) return null;
  index ??= buildIndex();
  const key = normalise(text.replace(/[:：\-–—|]+\s*$/u, '').trim());
  return index.get(key) ?? null;
}

/** Split "Label: value" when the label is known; null otherwise. */
export function splitLabelLine(line: string): { field: LabelField; value: string } | null {
  const m = /^([^:：]{1,60})[:：]\s*(.+)$/u.exec(line);
  if (!m) return null;
  const field = labelField(m[1]!);
  if (!field) return null;
  return { field, value: m[2]!.trim() };
}
