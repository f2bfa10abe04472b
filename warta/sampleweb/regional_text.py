"""Article text for the regional benchmark web: Indonesian regional news, generated from a seed.

Sentences are put together from short slots (who, did what, where, with what figure), so that
two hundred articles of one site share few five-word runs: warta's near-duplicate index
(archive.identity.neardup, 5-word shingles, Jaccard 0.4) must see them as different articles, as it
would on a real site. Every article carries one key sentence no other article has.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PLACES = (
    *("Muara Dua", "Pangkalan Balai", "Talang Kelapa", "Seluma", "Kaur", "Manna", "Curup"),
    *("Lubuk Linggau", "Baturaja", "Martapura", "Kayuagung", "Sekayu", "Lahat", "Pagar Alam"),
    *("Tais", "Bintuhan", "Arga Makmur", "Mukomuko", "Kepahiang", "Tubei", "Karang Tinggi"),
    *("Sukadana", "Menggala", "Kotabumi", "Liwa", "Kalianda", "Gedong Tataan", "Pringsewu"),
)
OFFICIALS = (
    "Kepala Perwakilan BKKBN Provinsi",
    "Bupati",
    "Wakil Bupati",
    "Sekretaris Daerah",
    "Kepala Dinas Pengendalian Penduduk dan KB",
    "Kepala Dinas Kesehatan",
    "Ketua TP PKK",
    "Camat",
    "Kepala Desa",
    "Koordinator Penyuluh KB",
    "Ketua Tim Percepatan Penurunan Stunting",
    "Kepala Puskesmas",
)
FIRST_NAMES = (
    *("Ahmad", "Siti", "Rudi", "Dewi", "Hendra", "Yuliana", "Bambang", "Rina", "Agus"),
    *("Fitriani", "Joko", "Nurhayati", "Eko", "Sri", "Dedi", "Lestari", "Irwan", "Maya"),
)
LAST_NAMES = (
    *("Saputra", "Wijaya", "Harahap", "Lubis", "Pratama", "Kurniawan", "Susanti", "Hidayat"),
    *("Rahmawati", "Setiawan", "Gunawan", "Anggraini", "Firmansyah", "Maharani", "Putra"),
)
PROGRAMS = (
    "program Bangga Kencana",
    "percepatan penurunan stunting",
    "Kampung Keluarga Berkualitas",
    "pendampingan keluarga berisiko stunting",
    "pelayanan KB serentak",
    "Dapur Sehat Atasi Stunting",
    "Bapak Asuh Anak Stunting",
    "Bina Keluarga Balita",
    "gerakan posyandu aktif",
    "pemeriksaan calon pengantin",
    "Generasi Berencana",
    "Sekolah Siaga Kependudukan",
)
TOPICS_OTHER = (
    "perbaikan jalan desa",
    "pasar murah menjelang hari raya",
    "turnamen sepak bola antarkecamatan",
    "penyaluran bantuan pangan",
    "festival budaya daerah",
    "penataan pasar tradisional",
)
_VERBS = (
    "meninjau",
    "meresmikan",
    "membuka",
    "mengevaluasi",
    "memantau",
    "mendukung",
    "mencanangkan",
    "menggelar",
    "memperkuat",
    "melanjutkan",
)
_GROUPS = (
    "kader Tim Pendamping Keluarga",
    "bidan desa",
    "penyuluh KB",
    "kader posyandu",
    "remaja Genre",
    "ibu hamil",
    "keluarga dengan baduta",
    "calon pengantin",
    "petugas lapangan",
    "tokoh agama",
)
_WHEN = (
    "pada Senin pagi",
    "sejak awal bulan",
    "pekan lalu",
    "dalam tiga bulan terakhir",
    "hingga akhir tahun",
    "pada triwulan ini",
    "sepanjang semester pertama",
    "kemarin siang",
)
_WHERE = (
    "di aula kantor bupati",
    "di balai desa",
    "di gedung serbaguna",
    "di halaman puskesmas",
    "di rumah dinas camat",
    "di lapangan kecamatan",
    "di kantor perwakilan",
    "secara daring",
)
_RESULTS = (
    "angka prevalensi stunting turun {n} persen",
    "sebanyak {n} keluarga berisiko telah didampingi",
    "cakupan peserta KB aktif naik menjadi {n} persen",
    "{n} balita kembali ditimbang secara rutin",
    "{n} pasangan usia subur mendapat layanan kontrasepsi",
    "jumlah posyandu aktif bertambah {n} unit",
    "{n} calon pengantin menjalani pemeriksaan kesehatan",
    "anggaran sebesar Rp{n} juta dialokasikan dari dana desa",
)
_REASONS = (
    "agar tumbuh kembang anak terpantau sejak dini",
    "supaya data keluarga sasaran tidak tumpang tindih",
    "karena masih ada desa yang belum terjangkau layanan",
    "sebab gizi seimbang dimulai dari seribu hari pertama kehidupan",
    "mengingat banyak keluarga tinggal jauh dari fasilitas kesehatan",
    "demi memastikan bantuan tepat sasaran",
    "untuk menekan angka pernikahan usia anak",
    "agar kader tidak bekerja sendirian di lapangan",
)
_QUOTES = (
    "Kami tidak bisa bekerja sendiri, semua pihak harus turun tangan",
    "Target kita jelas, setiap anak harus tumbuh sehat dan cerdas",
    "Data yang akurat menjadi kunci intervensi yang tepat",
    "Posyandu adalah garda terdepan dalam memantau balita",
    "Kami berterima kasih kepada para kader yang bekerja tanpa kenal lelah",
    "Pendampingan harus berlanjut sampai anak berusia dua tahun",
    "Kegiatan seperti ini akan kami gelar rutin setiap bulan",
    "Masyarakat jangan ragu datang ke fasilitas kesehatan terdekat",
)
_GIFTS = ("bantuan", "alat ukur", "makanan tambahan", "buku panduan", "sertifikat")
_CLOSINGS = (
    "dialog interaktif", "pemeriksaan gratis", "penimbangan balita", "senam bersama",
    "penandatanganan komitmen",
)  # fmt: skip
_TITLE_HEADS = (
    "{official} {place} {verb_title} {program}",
    "{n} {group_title} di {place} Ikuti {program_title}",
    "{place} Targetkan {result_title}",
    "Pemkab {place} Perkuat {program_title}",
    "Kader di {place} Dilatih {skill}",
    "{program_title} Mulai Menjangkau Desa Terpencil di {place}",
)
_VERB_TITLES = ("Tinjau", "Resmikan", "Buka", "Evaluasi", "Pantau", "Dukung", "Canangkan")
_SKILLS = (
    "Mengukur Tinggi Badan Balita",
    "Mengisi Data Keluarga",
    "Menyusun Menu Gizi Seimbang",
    "Memberi Konseling KB",
    "Mendeteksi Risiko Stunting",
)
_RESULT_TITLES = (
    "Stunting Turun di Bawah 14 Persen",
    "Seluruh Desa Punya Posyandu Aktif",
    "Peserta KB Baru Bertambah",
    "Nol Pernikahan Usia Anak",
)


@dataclass(frozen=True, slots=True)
class GeneratedText:
    title: str
    paragraphs: tuple[str, ...]
    key_sentence: str
    topical: bool


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def generate_article(
    rng: random.Random, serial: str, *, place: str, dateline: str = "", topical: bool = True
) -> GeneratedText:
    """One article: a title, 8–10 paragraphs (about 250–350 words) and a unique key sentence
    (`serial` makes it unique). `dateline` ("SELUMA, KABARSRIWIJAYA.COM –") opens the text."""
    program = rng.choice(PROGRAMS) if topical else rng.choice(TOPICS_OTHER)
    official = rng.choice(OFFICIALS)
    name = person(rng)
    title = _title(rng, place, program, official)
    key = (
        f"Catatan rapat {serial} menyebut {rng.randint(101, 989)} keluarga di {place} "
        f"telah menerima kunjungan {rng.choice(_GROUPS)}."
    )
    paragraphs = [
        f"{official} {place}, {name}, {rng.choice(_VERBS)} kegiatan {program} "
        f"{rng.choice(_WHERE)} {rng.choice(_WHEN)}. {_result(rng)}."
    ]
    for _ in range(rng.randint(7, 9)):
        paragraphs.append(_paragraph(rng, place, program, name))
    paragraphs.insert(rng.randint(2, len(paragraphs) - 1), key)
    if dateline:
        paragraphs[0] = f"{dateline} {paragraphs[0]}"
    return GeneratedText(title, tuple(paragraphs), key, topical)


def correction(rng: random.Random, serial: str) -> str:
    """A sentence an editor adds when correcting an article (unique by `serial`)."""
    return (
        f"Pembaruan redaksi {serial}: jumlah keluarga sasaran dikoreksi menjadi "
        f"{rng.randint(1000, 9999)} keluarga sesuai data terbaru."
    )


def _title(rng: random.Random, place: str, program: str, official: str) -> str:
    head = rng.choice(_TITLE_HEADS)
    return head.format(
        official=official.split(" Provinsi")[0].replace("Kepala Dinas Pengendalian", "Kadis"),
        place=place,
        verb_title=rng.choice(_VERB_TITLES),
        program=program,
        program_title=program[:1].upper() + program[1:],
        n=rng.randint(20, 480),
        group_title=rng.choice(_GROUPS).title(),
        result_title=rng.choice(_RESULT_TITLES),
        skill=rng.choice(_SKILLS),
    )


def _result(rng: random.Random) -> str:
    text = rng.choice(_RESULTS).format(n=rng.randint(3, 950))
    return text[:1].upper() + text[1:]


def _paragraph(rng: random.Random, place: str, program: str, name: str) -> str:
    shape = rng.randrange(5)
    if shape == 0:
        return (
            f'"{rng.choice(_QUOTES)}," ujar {name.split()[0]} di hadapan {rng.randint(30, 600)} '
            f"peserta yang hadir {rng.choice(_WHERE)}."
        )
    if shape == 1:
        return (
            f"Menurut dia, {rng.choice(_RESULTS).format(n=rng.randint(3, 950))} "
            f"{rng.choice(_WHEN)}, {rng.choice(_REASONS)}. "
            f"Ia meminta {rng.choice(_GROUPS)} di {rng.choice(PLACES)} terus {rng.choice(_VERBS)} "
            f"{program}."
        )
    if shape == 2:
        helper = person(rng)
        return (
            f"{rng.choice(OFFICIALS)} {rng.choice(PLACES)}, {helper}, menambahkan bahwa "
            f"{rng.choice(_RESULTS).format(n=rng.randint(3, 950))}. Menurut {helper.split()[0]}, "
            f"langkah itu diambil {rng.choice(_REASONS)}."
        )
    if shape == 3:
        return (
            f"Dalam kesempatan tersebut, {rng.randint(12, 240)} {rng.choice(_GROUPS)} dari "
            f"{rng.randint(3, 40)} desa menerima {rng.choice(_GIFTS)} {rng.choice(_WHEN)}. "
            f"Kegiatan ditutup dengan {rng.choice(_CLOSINGS)}."
        )
    return (
        f"Pemerintah daerah {place} berencana {rng.choice(_VERBS)} {program} "
        f"{rng.choice(_WHEN)} {rng.choice(_REASONS)}, dengan dukungan "
        f"{rng.choice(_GROUPS)} dan {rng.choice(_GROUPS)} dari {rng.choice(PLACES)}."
    )
