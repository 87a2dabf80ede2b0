"""Build the labelled corpus in classifiers/corpus/ from the hand-written seeds.

Standard library only and deterministic: ``python scripts/make_corpus.py`` rewrites
``classifiers/corpus/train.jsonl`` and ``classifiers/corpus/test.jsonl`` byte-identically.

Seeds live in ``classifiers/corpus/seeds/*.txt``. Each seed is one *family*; it starts with a
header line::

    === fam-id | typology | register[,register...] | language

and its body is a template:

* ``{slot}`` takes a value from the slot pools below (the same value everywhere in one row);
* ``{a|b|c}`` picks one alternative (may nest; an empty alternative makes text optional);
* a line starting with ``?`` is kept with probability 0.6;
* consecutive lines starting with ``~`` are shuffled among themselves.

Each family is expanded into several distinct rows, then wrapped for its register (hashtags,
channel footers, caps for posters, ...) and perturbed (typos, chat abbreviations, leetspeak and
spaced or emoji digits in phone numbers). The test split holds whole families, about 22% of the
families of each typology, so no seed is seen in both splits.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "classifiers" / "corpus"
SEEDS = CORPUS / "seeds"
# Seeds written after the test split was fixed: expanded into train.jsonl only, after every
# other row, so test.jsonl and the ids of earlier rows stay byte-identical.
TRAIN_ONLY = SEEDS / "train_only"
TRAIN_ONLY_ROWS = 6  # rows per train-only family
SEED = 20261202
TEST_SHARE = 0.22

LABELS = {
    "suspicious": [
        "scam_compound",
        "domestic_moratorium",
        "fishing_crew",
        "fee_charging",
        "impersonation",
        "plantation_factory",
        "other_offer",
    ],
    "report": [
        "news",
        "press_release",
        "clarification",
        "ngo_warning",
        "admin_warning",
        "village_warning",
        "victim_testimony",
        "explainer",
        "thread",
        "warning_repost",
        "court_record",
    ],
    "not_suspicious": [
        "g2g",
        "licensed_agency",
        "foreign_employer",
        "domestic_job",
        "travel_umrah",
        "study_abroad",
        "remittance_sim",
        "chatter",
    ],
}
LABEL_OF = {t: label for label, typs in LABELS.items() for t in typs}
REGISTERS = [
    "poster",
    "channel_post",
    "fb_group_post",
    "whatsapp_broadcast",
    "chat",
    "tiktok_caption",
    "job_board",
    "news",
    "press_release",
    "forum_thread",
    "tweet",
]
LANGUAGES = ["id", "en", "ms", "mix"]

# Rows wanted per typology; divided evenly over the typology's families.
TARGET = {
    "scam_compound": 320,
    "domestic_moratorium": 190,
    "fishing_crew": 140,
    "fee_charging": 215,
    "impersonation": 145,
    "plantation_factory": 130,
    "other_offer": 125,
    "news": 110,
    "press_release": 80,
    "clarification": 65,
    "ngo_warning": 70,
    "admin_warning": 70,
    "village_warning": 55,
    "victim_testimony": 95,
    "explainer": 70,
    "thread": 65,
    "warning_repost": 85,
    "court_record": 55,
    "g2g": 135,
    "licensed_agency": 135,
    "foreign_employer": 90,
    "domestic_job": 160,
    "travel_umrah": 80,
    "study_abroad": 65,
    "remittance_sim": 65,
    "chatter": 140,
}

# --------------------------------------------------------------------------- slot pools
# Every name, company, outlet and number below is invented for this corpus.


def _split(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST_F = _split(
    "Rina Sari Dewi Wulan Fitri Yanti Lestari Nurul Ayu Indah Ratna Mega Siska Tuti Eka Novi "
    "Ani Desi Rosa Maya Lilis Intan Putri Citra Yuli Heni Kiki Tari Vina Nining Suryani Imas"
)
FIRST_M = _split(
    "Budi Agus Joko Rudi Dedi Andi Hendra Yusuf Rahmat Wahyu Eko Fajar Dimas Bayu Arif Slamet "
    "Teguh Iwan Anton Rizki Dani Hadi Ilham Gilang Yoga Asep Ujang Taufik Irfan Bambang"
)
LAST = _split(
    "Saputra Wijaya Kurniawan Hidayat Santoso Pratama Susanto Setiawan Nugroho Lubis Siregar "
    "Simanjuntak Manurung Wulandari Rahayu Handayani Permatasari Purba Tampubolon Mahendra "
    "Prasetyo Halim Maulana Firmansyah Ramadhani Kusuma Nainggolan Sembiring Ginting Tanjung"
)
INITIALS = _split("AS RW MH DK SN YP HT IR FK BS LM JR TW NA")
CO_A = _split(
    "Bina Cahaya Mitra Karya Sinar Global Surya Prima Jaya Dwi Tri Mega Anugerah Berkah Citra "
    "Duta Gemilang Harapan Insan Lintas Mandala Nusa Pilar Restu Samudra Tunas Wahana"
)
CO_B = _split(
    "Sejahtera Mandiri Abadi Utama Perkasa Makmur Sentosa Lestari Bersama Nusantara Persada "
    "Raya Gemilang Mulia Sukses Buana Kencana Insani Dirgantara Selaras"
)
FOREIGN_CO_A = _split(
    "Golden Lotus|Mekong Star|Royal Dragon|Jinbei|Bright Future|Silver Bay|Kingfisher|Lucky Seven|"
    "Phoenix Crown|Grand Orient|Blue Harbor|Apex Digital|Skyline|Heng Li|Tianyu|Sunrise River",
    "|",
)
FOREIGN_CO_B = _split(
    "Technology Co., Ltd|Group|Entertainment|Investment Co., Ltd|Digital Services|Holdings|"
    "Network Technology|Trading Co., Ltd|International",
    "|",
)
OUTLETS = _split(
    "Warta Nusa|Kabar Timur|SuaraBatas.com|Harian Pelita Rakyat|Lintas Pantura|Detik Daerah|"
    "Borneo Pos|Tribun Pesisir|Radar Selatan|Sinar Flores|Medan Kini|JatimSatu|Nusa Kini|"
    "Kupang Terkini|Berita Priangan|Kalbar Update",
    "|",
)
CITY_ID = _split(
    "Indramayu|Cirebon|Cianjur|Sukabumi|Banyuwangi|Blitar|Tulungagung|Ponorogo|Kendal|Cilacap|"
    "Lombok Timur|Lombok Tengah|Kupang|Medan|Pematangsiantar|Tanjungpinang|Batam|Makassar|"
    "Manado|Bitung|Karawang|Subang|Brebes|Tegal|Jember|Malang|Pontianak|Nunukan|Sumbawa|Ende",
    "|",
)
PROVINCE = _split(
    "Jawa Barat|Jawa Tengah|Jawa Timur|NTB|NTT|Sumatera Utara|Kepulauan Riau|Sulawesi Utara|"
    "Sulawesi Selatan|Kalimantan Barat|Kalimantan Utara|Lampung",
    "|",
)
VILLAGE = _split(
    "Sukamaju|Karanganyar|Sidomulyo|Mekarsari|Tanjungsari|Wonorejo|Sumberagung|Cikadu|Pringgasela|"
    "Oebelo|Bantarsari|Kedungjaya|Lamalera|Pasirwangi|Tegalrejo",
    "|",
)
DOMESTIC_CITY = _split(
    "Cikarang|Bekasi|Karawang|Surabaya|Sidoarjo|Semarang|Tangerang|Batam|Bandung|Purwakarta|"
    "Gresik|Pasuruan|Cileungsi|Serang|Medan|Balikpapan",
    "|",
)
SCAM_DEST = _split(
    "Kamboja|Kamboja|Phnom Penh|Sihanoukville|Bavet|Myanmar|Myawaddy|Laos|Thailand|Bangkok|"
    "Mae Sot|Filipina|Manila|Poipet",
    "|",
)
MEKONG = _split("Kamboja|Myanmar|Laos|Thailand|Kamboja|Vietnam perbatasan", "|")
SCAM_DEST_EN = _split(
    "Cambodia|Phnom Penh|Sihanoukville|Myanmar|Laos|Bangkok|Manila|Bavet|Poipet", "|"
)
MIDEAST = _split(
    "Arab Saudi|Saudi|Riyadh|Jeddah|Dubai|Abu Dhabi|UEA|Qatar|Doha|Kuwait|Oman|Bahrain|Yordania|"
    "Mesir|Irak|Erbil|Lebanon|Suriah|Maroko|Aljazair",
    "|",
)
FEE_DEST = _split(
    "Malaysia|Taiwan|Korea|Jepang|Polandia|Hongkong|Singapura|Jerman|Belanda|Australia|Ceko|"
    "Rumania|Turki|Selandia Baru|Kanada|Hungaria",
    "|",
)
FEE_DEST_EN = _split(
    "Poland|Japan|Korea|Taiwan|Romania|Czech Republic|Canada|Australia|Germany", "|"
)
MY_PLACES = _split(
    "Johor|Sabah|Sarawak|Kuching|Tawau|Selangor|Pahang|Kedah|Penang|Kuala Lumpur|Miri|Sandakan", "|"
)
SCAM_JOB = _split(
    "admin|admin CS|customer service|operator|marketing online|telemarketing|admin sosmed|"
    "CS chat|admin game|typing|data entry|operator komputer|staf kantor|admin live chat|"
    "admin website|tim marketing",
    "|",
)
SCAM_JOB_EN = _split(
    "customer service|admin staff|data entry|chat operator|online marketing|typist|call center "
    "agent|social media admin|office staff",
    "|",
)
DOM_JOB = _split(
    "ART|PRT|pembantu rumah tangga|babysitter|pengasuh anak|perawat lansia|sopir pribadi|"
    "TKW|PLRT|penjaga jompo|juru masak rumah",
    "|",
)
FACTORY_JOB = _split(
    "operator pabrik|buruh sawit|pemanen sawit|pekerja ladang|operator produksi|kilang|"
    "pekerja kebun|helper gudang|tukang las|buruh bangunan",
    "|",
)
FLAGS_SCAM = _split("🇰🇭 🇲🇲 🇱🇦 🇹🇭 🇵🇭")
FLAGS_ME = _split("🇸🇦 🇦🇪 🇶🇦 🇰🇼 🇴🇲 🇧🇭 🇯🇴")
FLAGS_FEE = _split("🇲🇾 🇹🇼 🇰🇷 🇯🇵 🇵🇱 🇭🇰 🇩🇪 🇦🇺")
BANKS = _split("BRI|BNI|Mandiri|BCA|BSI|BPD", "|")
MONTHS = _split(
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
)
DAYS = _split("Senin Selasa Rabu Kamis Jumat Sabtu Minggu")
HANDLE_A = _split("loker|info|kerja|job|lowongan|vacancy|rekrut|karir|agency|visa", "|")
HANDLE_B = _split("kh|asia|ln|luarnegeri|abroad|global|official|center|hrd|admin|resmi", "|")
SKILLS = _split(
    "Kaigo|Pertanian|Manufaktur|Konstruksi|Perhotelan|Pengolahan Makanan|Perikanan", "|"
)


def _phone(rng: random.Random, kind: str) -> str:
    """A realistically formatted number with a 555 or 000 block, so it is plainly made up."""
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    blk = rng.choice(["555", "000"])
    if kind == "id":
        return rng.choice(
            [
                f"08{rng.choice('1235789')}{d(1)}-{blk}{d(1)}-{d(4)}",
                f"08{rng.choice('1235789')}{d(1)} {blk}{d(1)} {d(4)}",
                f"08{rng.choice('1235789')}{d(1)}{blk}{d(5)}",
                f"+62 8{rng.choice('1235789')}{d(1)}-{blk}{d(1)}-{d(4)}",
            ]
        )
    fmt = {
        "kh": lambda: f"+855 {rng.choice(['1', '7', '9'])}{d(1)} {blk} {d(3)}",
        "mm": lambda: f"+95 9 {blk} {d(3)} {d(3)}",
        "la": lambda: f"+856 20 {blk}{d(1)} {d(4)}",
        "th": lambda: f"+66 {rng.choice(['8', '9'])}{d(1)} {blk} {d(4)}",
        "ph": lambda: f"+63 9{d(2)} {blk} {d(4)}",
        "my": lambda: f"+60 1{d(1)}-{blk} {d(4)}",
        "ae": lambda: f"+971 5{d(1)} {blk} {d(4)}",
        "sa": lambda: f"+966 5{d(1)} {blk} {d(4)}",
        "tw": lambda: f"+886 9{d(2)} {blk} {d(3)}",
        "kr": lambda: f"+82 10-{blk}{d(1)}-{d(4)}",
    }
    return fmt[kind]()


def _company(rng: random.Random) -> str:
    a, b = rng.sample(CO_A, 2)
    return f"PT {a} {b} {rng.choice(CO_B)}"


def _person(rng: random.Random, pool: list[str]) -> str:
    return f"{rng.choice(pool)} {rng.choice(LAST)}"


def _slots(rng: random.Random) -> dict[str, str]:
    """Fresh slot values for one row (every slot is computed; templates use what they need)."""
    s: dict[str, str] = {}
    s["name_f"] = _person(rng, FIRST_F)
    s["name_m"] = _person(rng, FIRST_M)
    s["name"] = rng.choice([s["name_f"], s["name_m"]])
    s["name2"] = _person(rng, FIRST_F + FIRST_M)
    s["first_f"] = s["name_f"].split()[0]
    s["first_m"] = s["name_m"].split()[0]
    s["initials"] = rng.choice(INITIALS)
    s["initials2"] = rng.choice(INITIALS)
    s["age"] = str(rng.randint(19, 45))
    s["age2"] = str(rng.randint(17, 52))
    s["company"] = _company(rng)
    s["company2"] = _company(rng)
    s["foreign_co"] = f"{rng.choice(FOREIGN_CO_A)} {rng.choice(FOREIGN_CO_B)}"
    s["outlet"] = rng.choice(OUTLETS)
    s["city"] = rng.choice(CITY_ID)
    s["city2"] = rng.choice(CITY_ID)
    s["city_caps"] = s["city"].upper()
    s["province"] = rng.choice(PROVINCE)
    s["village"] = rng.choice(VILLAGE)
    s["dcity"] = rng.choice(DOMESTIC_CITY)
    s["scam_dest"] = rng.choice(SCAM_DEST)
    s["scam_dest_en"] = rng.choice(SCAM_DEST_EN)
    s["mekong"] = rng.choice(MEKONG)
    s["mideast"] = rng.choice(MIDEAST)
    s["fee_dest"] = rng.choice(FEE_DEST)
    s["fee_dest_en"] = rng.choice(FEE_DEST_EN)
    s["my_place"] = rng.choice(MY_PLACES)
    s["scam_job"] = rng.choice(SCAM_JOB)
    s["scam_job_en"] = rng.choice(SCAM_JOB_EN)
    s["dom_job"] = rng.choice(DOM_JOB)
    s["factory_job"] = rng.choice(FACTORY_JOB)
    s["flag_scam"] = rng.choice(FLAGS_SCAM)
    s["flag_me"] = rng.choice(FLAGS_ME)
    s["flag_fee"] = rng.choice(FLAGS_FEE)
    s["bank"] = rng.choice(BANKS)
    s["skill"] = rng.choice(SKILLS)
    s["n_victims"] = str(rng.choice([3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 23, 26, 31, 42]))
    s["n_big"] = str(rng.choice([48, 63, 87, 112, 156, 203, 240, 318, 415, 520]))
    s["n_quota"] = str(rng.choice([10, 15, 20, 25, 30, 40, 50, 100]))
    s["year"] = str(rng.choice([2023, 2024, 2025, 2026]))
    s["day"] = rng.choice(DAYS)
    s["date"] = f"{rng.randint(1, 28)} {rng.choice(MONTHS)}"
    s["date_num"] = f"{rng.randint(1, 28)}/{rng.randint(1, 12)}"
    s["sal_jt"] = str(rng.choice([7, 8, 9, 10, 12, 13, 15, 17, 18, 20, 25, 30]))
    s["sal_jt2"] = str(rng.choice([5, 6, 7, 8, 9, 10]))
    s["sal_usd"] = str(rng.choice([600, 700, 800, 900, 1000, 1100, 1200, 1500, 1800]))
    s["sal_rm"] = str(rng.choice([1700, 1800, 2000, 2200, 2500, 2800, 3000, 3500]))
    s["sal_sar"] = str(rng.choice([1500, 1800, 2000, 2200, 2500]))
    s["sal_ntd"] = str(rng.choice([27470, 28590, 29000, 30000, 33000]))
    s["sal_krw"] = str(rng.choice(["2,1", "2,2", "2,4", "2,5", "2,8"]))
    s["sal_umr"] = f"{rng.randint(2, 5)},{rng.choice('13579')}"
    s["fee_jt"] = str(rng.choice([2, 3, 3.5, 4, 5, 6, 7.5, 8, 10, 12, 15, 20, 25, 35]))
    s["fee_jt"] = s["fee_jt"].replace(".", ",")
    s["dp_jt"] = str(rng.choice([1, 1.5, 2, 2.5, 3, 5]))
    s["dp_jt"] = s["dp_jt"].replace(".", ",")
    s["fee_rb"] = str(rng.choice([150, 200, 250, 300, 350, 500, 750]))
    s["loss_jt"] = str(rng.choice([15, 25, 30, 45, 60, 75, 90, 120, 180, 250]))
    s["months"] = str(rng.choice([2, 3, 4, 5, 6, 8, 10]))
    s["years_prison"] = str(rng.choice([3, 4, 5, 6, 7, 8, 9]))
    s["fine_jt"] = str(rng.choice([100, 120, 150, 200, 250, 300]))
    for k in ("id", "kh", "mm", "la", "th", "ph", "my", "ae", "sa", "tw", "kr"):
        s[f"ph_{k}"] = _phone(rng, k)
    s["ph_id2"] = _phone(rng, "id")
    digits = re.sub(r"\D", "", s["ph_id"])
    s["wa_link"] = "wa.me/62" + (digits[1:] if digits.startswith("0") else digits[2:])
    handle = f"{rng.choice(HANDLE_A)}{rng.choice(HANDLE_B)}{rng.choice(['', '_', '.'])}"
    handle += rng.choice(["", str(rng.randint(1, 99)), "id", "hrd"])
    s["handle"] = handle.strip("._")
    s["tme"] = "t.me/" + s["handle"].replace(".", "_")
    s["sip3mi"] = f"{rng.randint(1, 9)}.{rng.randint(100, 999)}/{s['year']}"
    s["sip2mi"] = f"B.{rng.randint(1000, 9999)}/PPTK/{rng.choice(MONTHS)[:3].upper()}/{s['year']}"
    s["case_no"] = f"{rng.randint(100, 999)}/Pid.Sus/{s['year']}/PN {s['city']}"
    s["ticket"] = rng.choice(["tiket", "tiket pesawat", "tiket PP", "tiket berangkat"])
    return s


# --------------------------------------------------------------------------- seed templates

HEADER = re.compile(r"^=== (\S+) \| (\w+) \| ([\w,]+) \| (\w+)\s*$")
CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")
SLOT = re.compile(r"\{(\w+)\}")


def load_seeds(folder: Path = SEEDS) -> list[dict]:
    seeds = []
    for path in sorted(folder.glob("*.txt")):
        cur = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = HEADER.match(line)
            if m:
                fam, typ, regs, lang = m.groups()
                if typ not in LABEL_OF:
                    raise SystemExit(f"{path.name}: unknown typology {typ} in {fam}")
                if lang not in LANGUAGES:
                    raise SystemExit(f"{path.name}: unknown language {lang} in {fam}")
                for reg in regs.split(","):
                    if reg not in REGISTERS:
                        raise SystemExit(f"{path.name}: unknown register {reg} in {fam}")
                cur = {"family": fam, "typology": typ, "registers": regs.split(","), "lang": lang}
                cur["lines"] = []
                seeds.append(cur)
            elif cur is not None and not line.startswith("#"):
                cur["lines"].append(line)
            elif cur is None and line.strip() and not line.startswith("#"):
                raise SystemExit(f"{path.name}: text before the first header")
    fams = [s["family"] for s in seeds]
    dup = {f for f in fams if fams.count(f) > 1}
    if dup:
        raise SystemExit(f"duplicate family ids: {sorted(dup)}")
    for s in seeds:
        while s["lines"] and not s["lines"][-1].strip():
            s["lines"].pop()
    return seeds


def expand(lines: list[str], rng: random.Random, slots: dict[str, str]) -> str:
    out: list[str] = []
    block: list[str] = []
    for raw in lines + [""]:
        line = raw
        if line.startswith("?"):
            if rng.random() > 0.6:
                continue
            line = line[1:]
        if line.startswith("~"):
            block.append(line[1:])
            continue
        if block:
            rng.shuffle(block)
            out.extend(block)
            block = []
        out.append(line)
    text = "\n".join(out[:-1])
    text = SLOT.sub(lambda m: slots.get(m.group(1), m.group(0)), text)
    while True:
        new = CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), text)
        if new == text:
            break
        text = new
    unknown = re.findall(r"\{([a-z][a-z0-9_]*)\}", text)
    if unknown:
        raise SystemExit(f"unknown slot(s) {unknown} in: {text[:80]!r}")
    text = re.sub(r"\{([^{}|]*)\}", r"\1", text)  # a lone {group} is just grouping
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r" +([.,;:!?](?:\s|$))", r"\1", text)
    return text.strip()


# --------------------------------------------------------------------------- perturbations

ABBREV = [
    ("yang", "yg"),
    ("dengan", "dgn"),
    ("tidak", "tdk"),
    ("untuk", "utk"),
    ("sudah", "udh"),
    ("bisa", "bs"),
    ("juga", "jg"),
    ("saja", "aja"),
    ("tempat", "tmpt"),
    ("langsung", "lgsg"),
    ("terima kasih", "makasih"),
    ("silakan", "silahkan"),
    ("berangkat", "brgkt"),
    ("pengalaman", "pengalamn"),
    ("sekarang", "skrg"),
    ("kerja", "kerja"),
    ("bulan", "bln"),
    ("nomor", "no"),
    ("perusahaan", "prshn"),
]
LEET = {
    "Kamboja": ["K4mboja", "Kamb0ja", "K@mboja", "KAMB0JA", "Kmboja"],
    "Myanmar": ["Myanm4r", "My4nmar", "M¥anmar"],
    "Thailand": ["Th4iland", "Thail4nd"],
    "Laos": ["L4os", "La0s"],
    "Filipina": ["Fil1pina", "Pilipina"],
    "online": ["0nline", "onl1ne", "onlen"],
    "Arab Saudi": ["Arab S4udi", "Arab Saud1", "A.r.a.b"],
    "Dubai": ["Dub4i", "Dbai"],
    "gaji": ["g4ji", "gajih"],
    "WhatsApp": ["W.A", "WA>>", "whatsap"],
}
WORD_DIGITS = {
    "0": "nol",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
    "6": "six",
    "7": "tujuh",
    "8": "eight",
    "9": "sembilan",
}
EMOJI_DIGITS = {str(i): f"{i}\ufe0f\u20e3" for i in range(10)}
PHONE = re.compile(r"(?:\+\d{2,3}[ -]?|0)8?\d[\d -]{7,14}\d")


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 2)
    op = rng.random()
    if op < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op < 0.75:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def obfuscate_phone(m: re.Match, rng: random.Random) -> str:
    num = m.group(0)
    r = rng.random()
    if r < 0.3:
        return " ".join(re.sub(r"[ -]", "", num)[i : i + 2] for i in range(0, len(num), 2)).strip()
    if r < 0.55:
        out, swapped = [], 0
        for ch in num:
            if ch.isdigit() and swapped < 3 and rng.random() < 0.3:
                out.append(WORD_DIGITS[ch])
                swapped += 1
            else:
                out.append(ch)
        return "".join(out)
    if r < 0.75:
        return "".join(EMOJI_DIGITS.get(ch, ch) for ch in num[-6:]).join([num[:-6], ""])
    return num.replace(" ", ".").replace("-", ".")


def perturb(text: str, label: str, register: str, rng: random.Random) -> str:
    formal = (
        register in ("news", "press_release", "job_board")
        or label == "report"
        and (register not in ("chat", "fb_group_post", "forum_thread", "tweet", "tiktok_caption"))
    )
    if not formal and rng.random() < 0.35:
        for full, short in ABBREV:
            if rng.random() < 0.5:
                text = re.sub(rf"\b{full}\b", short, text)
    if label == "suspicious":
        if rng.random() < 0.3:
            for word, subs in LEET.items():
                if word in text and rng.random() < 0.6:
                    text = text.replace(word, rng.choice(subs), 1)
        if rng.random() < 0.3:
            text = PHONE.sub(lambda m: obfuscate_phone(m, rng), text, count=1)
        if rng.random() < 0.15:
            text = text.replace("WA ", rng.choice(["WA>> ", "W.A ", "wa/ ", "whatsapp: "]), 1)
    if not formal and rng.random() < 0.25:
        words = text.split(" ")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(words))
            words[i] = typo(words[i], rng)
        text = " ".join(words)
    if register in ("chat", "tweet", "tiktok_caption") and rng.random() < 0.3:
        text = text.lower()
    return text


# --------------------------------------------------------------------------- register wrappers

TAGS = {
    "scam_compound": "#lokerluarnegeri #kerjakamboja #lokerkamboja #lowongankerja #kerjaluarnegeri "
    "#gajibesar #adminonline #fyp #fypシ #loker2025 #thailand #myanmar #infoloker",
    "domestic_moratorium": "#tkw #art #kerjadiarab #saudi #dubai #lokerart #pmi #fyp #infoloker "
    "#babysitter #tkwsaudi #kerjaluarnegeri",
    "fishing_crew": "#abk #abkkapalikan #lokerabk #pelaut #kapaltaiwan #gajidollar #fyp "
    "#abkindonesia",
    "fee_charging": "#kerjadijepang #kerjaditaiwan #kerjadipolandia #lokerluarnegeri #pmi #cpmi "
    "#fyp #kerjadimalaysia #kerjadikorea",
    "impersonation": "#bp2mi #resmi #lokerresmi #g2g #pmi #kerjaluarnegeri #fyp",
    "plantation_factory": "#kerjadimalaysia #sawit #malaysia #lokermalaysia #pabrik #tki #fyp",
    "other_offer": "#lokerluarnegeri #kerjaluarnegeri #fyp #gajibesar #loker",
    "report": "#waspada #stoptppo #penipuanloker #hatihati #infopenting #tppo #lokerbodong #fyp "
    "#pmiprosedural #beritaterkini",
    "not_suspicious": "#eps #kerjadikorea #magangjepang #ssw #bp2mi #kemenp2mi #infoloker #fyp "
    "#lokercikarang #umroh #beasiswa #tkiprosedural",
}


def wrap(text: str, typ: str, label: str, register: str, lang: str, slots: dict, rng) -> str:
    en = lang == "en"
    pool = TAGS.get(typ) or TAGS[label]
    if register == "tiktok_caption" and "#" not in text:
        tags = rng.sample(pool.split(), k=min(len(pool.split()), rng.randint(3, 7)))
        text = text + rng.choice([" ", "\n", "\n\n"]) + " ".join(tags)
    elif register == "channel_post" and rng.random() < 0.6:
        if label == "suspicious" and not en:
            foot = rng.choice(
                [
                    f"📲 Join: {slots['tme']}",
                    f"👉 Admin: @{slots['handle'].replace('.', '_')}",
                    f"Channel resmi: {slots['tme']}",
                    "🔔 Aktifkan notif channel",
                    f"Forward ke teman yg butuh kerja 🙏 {slots['tme']}",
                ]
            )
        elif label == "suspicious":
            foot = rng.choice([f"📲 Join: {slots['tme']}", f"Apply now 👉 {slots['tme']}", ""])
        elif en:
            foot = rng.choice(["🔔 Share with your family", "Follow for more updates", ""])
        else:
            foot = rng.choice(["🔔 Share ke keluarga", "Follow channel untuk info lainnya", ""])
        text = (rng.choice(["📢 ", "🔥 ", "⚡ ", ""]) + text + "\n\n" + foot).strip()
    elif register == "whatsapp_broadcast" and rng.random() < 0.5:
        first, _, rest = text.partition("\n")
        if first and not first.startswith("*"):
            first = f"*{first.strip()}*"
        end = rng.choice(
            ["", "\n\n_Mohon dibantu share_ 🙏", "\n\nSebarkan ke yg membutuhkan", "\n\n~ Admin"]
        )
        if en:
            end = rng.choice(["", "\n\nPlease share 🙏", "\n\nForwarded"])
        text = first + ("\n" + rest if rest else "") + end
    elif register == "fb_group_post" and rng.random() < 0.25:
        pre = rng.choice(
            ["Izin admin 🙏\n", "Izin share min\n", "Permisi admin\n", "Assalamualaikum\n"]
        )
        if en:
            pre = rng.choice(["Admin pls approve\n", "Sharing here\n"])
        text = pre + text
    elif register == "poster" and rng.random() < 0.5:
        text = "\n".join(ln.upper() if len(ln) < 45 else ln for ln in text.split("\n"))
    elif register == "tweet" and len(text) > 280:
        cut = text[:270].rsplit(" ", 1)[0]
        text = cut + rng.choice(["…", " (1/2)", " 🧵", "..."])
    return text


# --------------------------------------------------------------------------- build


def build() -> tuple[list[dict], list[dict]]:
    rng = random.Random(SEED)
    seeds = load_seeds()
    by_typ: dict[str, list[dict]] = {}
    for s in seeds:
        by_typ.setdefault(s["typology"], []).append(s)
    rows: list[dict] = []
    seen: set[str] = set()
    for typs in LABELS.values():
        for typ in typs:
            fams = by_typ.get(typ, [])
            if not fams:
                continue
            per = max(5, round(TARGET[typ] / len(fams)))
            for seed in fams:
                rows.extend(expand_family(seed, per, seen))
    number(rows)
    # Test families: about TEST_SHARE of each typology's families, picked at random but
    # preferring families whose registers have the smallest share in the test split so far, so that
    # every register is measured on unseen seeds too.
    test_fams: set[str] = set()
    reg_rows: dict[str, int] = {reg: 0 for reg in REGISTERS}
    fam_regs: dict[str, set[str]] = {}
    reg_all = {reg: sum(r["register"] == reg for r in rows) or 1 for reg in REGISTERS}
    for row in rows:
        fam_regs.setdefault(row["family"], set()).add(row["register"])
    for typ in sorted(by_typ):
        fams = sorted(s["family"] for s in by_typ[typ])
        rng.shuffle(fams)
        for _ in range(max(1, round(len(fams) * TEST_SHARE))):
            pick = min(fams, key=lambda f: min(reg_rows[r] / reg_all[r] for r in fam_regs[f]))
            fams.remove(pick)
            test_fams.add(pick)
            for row in rows:
                if row["family"] == pick:
                    reg_rows[row["register"]] += 1
    train = [r for r in rows if r["family"] not in test_fams]
    test = [r for r in rows if r["family"] in test_fams]
    late = load_seeds(TRAIN_ONLY)
    clash = {s["family"] for s in late} & {s["family"] for s in seeds}
    if clash:
        raise SystemExit(f"train-only family ids also in seeds/: {sorted(clash)}")
    extra = [r for seed in late for r in expand_family(seed, TRAIN_ONLY_ROWS, seen)]
    number(extra, start=len(rows) + 1)
    return train + extra, test


def expand_family(seed: dict, per: int, seen: set[str]) -> list[dict]:
    """Up to ``per`` distinct rows of one seed family; ``seen`` (lower-cased, whitespace
    folded texts) keeps every text unique across both files."""
    typ = seed["typology"]
    label = LABEL_OF[typ]
    frng = random.Random(f"{SEED}:{seed['family']}")
    rows: list[dict] = []
    tries = 0
    while len(rows) < per and tries < per * 8:
        tries += 1
        slots = _slots(frng)
        reg = seed["registers"][len(rows) % len(seed["registers"])]
        text = expand(seed["lines"], frng, slots)
        text = wrap(text, typ, label, reg, seed["lang"], slots, frng)
        if rows:
            text = perturb(text, label, reg, frng)
        key = re.sub(r"\s+", " ", text.lower()).strip()
        if key in seen or not text:
            continue
        seen.add(key)
        rows.append(
            {
                "text": text,
                "expected": label,
                "typology": typ,
                "register": reg,
                "language": seed["lang"],
                "family": seed["family"],
            }
        )
    return rows


def number(rows: list[dict], start: int = 1) -> None:
    """Give each row its id (``c-0001`` ...), first among its fields."""
    for i, row in enumerate(rows, start):
        rows[i - start] = {"id": f"c-{i:04d}", **row}


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def stats(train: list[dict], test: list[dict]) -> str:
    """Markdown tables of row counts per field and split (pasted into the README)."""
    out = []
    orders = {
        "expected": list(LABELS),
        "typology": [t for typs in LABELS.values() for t in typs],
        "register": REGISTERS,
        "language": LANGUAGES,
    }
    for field, order in orders.items():
        out.append(f"| {field} | train | test | all |")
        out.append("| --- | ---: | ---: | ---: |")
        for value in order:
            a = sum(r[field] == value for r in train)
            b = sum(r[field] == value for r in test)
            out.append(f"| `{value}` | {a} | {b} | {a + b} |")
        out.append(f"| total | {len(train)} | {len(test)} | {len(train) + len(test)} |")
        out.append("")
    fams = [len({r["family"] for r in rows}) for rows in (train, test)]
    out.append(f"Families: {fams[0]} in train, {fams[1]} in test, {sum(fams)} in all.")
    return "\n".join(out)


def main() -> None:
    train, test = build()
    write(CORPUS / "train.jsonl", train)
    write(CORPUS / "test.jsonl", test)
    print(f"train {len(train)} rows, test {len(test)} rows")
    if "--stats" in sys.argv[1:]:
        print(stats(train, test))


if __name__ == "__main__":
    main()
