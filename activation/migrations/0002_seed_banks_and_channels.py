"""Seed the two banks of the seed guide and their activation channels, in both languages.

Banks get no keys here: a bank's public key is registered with ``add_bank_key``.
"""

from django.db import migrations

BANKS = [{'code': 'anb',
  'name_en': 'Arab National Bank',
  'name_ar': 'البنك العربي الوطني',
  'channels': [{'kind': 'online',
                'name_en': 'Arabi Net online banking',
                'name_ar': 'الخدمات البنكية عبر الإنترنت (العربي نت)',
                'steps_en': 'Sign in to Arabi Net.\n'
                            'Choose “MOI services”.\n'
                            'Choose “Absher activation”.\n'
                            'Confirm your details.\n'
                            'Accept the terms and conditions.',
                'steps_ar': 'سجّل الدخول إلى العربي نت.\n'
                            'اختر “خدمات وزارة الداخلية”.\n'
                            'اختر “تفعيل أبشر”.\n'
                            'أكّد بياناتك.\n'
                            'وافق على الشروط والأحكام.'},
               {'kind': 'atm',
                'name_en': 'ANB ATM',
                'name_ar': 'الصراف الآلي للبنك العربي الوطني',
                'steps_en': 'Insert your card and enter your PIN.\n'
                            'Choose your language.\n'
                            'Choose “Other services”.\n'
                            'Choose “Activate Absher”.',
                'steps_ar': 'أدخل بطاقتك ثم أدخل الرقم السري.\n'
                            'اختر اللغة.\n'
                            'اختر “خدمات أخرى”.\n'
                            'اختر “تفعيل أبشر”.'},
               {'kind': 'app',
                'name_en': 'ANB mobile app',
                'name_ar': 'تطبيق البنك العربي الوطني للجوال',
                'steps_en': 'Sign in to the ANB app.\n'
                            'Choose “Other services”.\n'
                            'Choose “Activate Absher”.\n'
                            'Accept the terms and conditions.\n'
                            'Enter the one-time code sent to you.\n'
                            'Press “OK”.',
                'steps_ar': 'سجّل الدخول إلى تطبيق البنك العربي الوطني.\n'
                            'اختر “خدمات أخرى”.\n'
                            'اختر “تفعيل أبشر”.\n'
                            'وافق على الشروط والأحكام.\n'
                            'أدخل رمز التحقق المرسَل إليك.\n'
                            'اضغط “موافق”.'}]},
 {'code': 'alrajhi',
  'name_en': 'Al Rajhi Bank',
  'name_ar': 'مصرف الراجحي',
  'channels': [{'kind': 'online',
                'name_en': 'Al Rajhi Mubasher online banking',
                'name_ar': 'الخدمات البنكية عبر الإنترنت (الراجحي مباشر)',
                'steps_en': 'Sign in to Mubasher online.\n'
                            'Choose “Services”.\n'
                            'Choose “Register in Absher”.\n'
                            'Accept the terms.\n'
                            'Press “Continue”.',
                'steps_ar': 'سجّل الدخول إلى الراجحي مباشر عبر الإنترنت.\n'
                            'اختر “الخدمات”.\n'
                            'اختر “التسجيل في أبشر”.\n'
                            'وافق على الشروط.\n'
                            'اضغط “متابعة”.'},
               {'kind': 'atm',
                'name_en': 'Al Rajhi ATM',
                'name_ar': 'الصراف الآلي لمصرف الراجحي',
                'steps_en': 'Insert your card and enter your PIN.\n'
                            'Choose “Other operations”.\n'
                            'Choose “MOI portal (Absher)”.\n'
                            'Confirm your details.',
                'steps_ar': 'أدخل بطاقتك ثم أدخل الرقم السري.\n'
                            'اختر “عمليات أخرى”.\n'
                            'اختر “بوابة وزارة الداخلية (أبشر)”.\n'
                            'أكّد بياناتك.'},
               {'kind': 'app',
                'name_en': 'Al Rajhi Mubasher app',
                'name_ar': 'تطبيق الراجحي مباشر',
                'steps_en': 'Sign in to the Mubasher app.\n'
                            'Choose “Other”.\n'
                            'Choose “Register in Absher”.\n'
                            'Press “Next”.\n'
                            'Confirm.',
                'steps_ar': 'سجّل الدخول إلى تطبيق الراجحي مباشر.\n'
                            'اختر “أخرى”.\n'
                            'اختر “التسجيل في أبشر”.\n'
                            'اضغط “التالي”.\n'
                            'أكّد العملية.'},
               {'kind': 'phone',
                'name_en': 'Phone banking 920003344',
                'name_ar': 'الهاتف المصرفي 920003344',
                'steps_en': 'Call 920003344.\n'
                            'Enter your customer number and PIN.\n'
                            'Press 5, then 4.',
                'steps_ar': 'اتصل بالرقم 920003344.\n'
                            'أدخل رقم العميل والرقم السري.\n'
                            'اضغط 5 ثم 4.'}]}]


def seed(apps, schema_editor):
    Bank = apps.get_model("activation", "Bank")
    ActivationChannel = apps.get_model("activation", "ActivationChannel")
    for data in BANKS:
        bank, _created = Bank.objects.get_or_create(
            code=data["code"], defaults={"name_en": data["name_en"], "name_ar": data["name_ar"]}
        )
        for position, channel in enumerate(data["channels"]):
            ActivationChannel.objects.get_or_create(
                bank=bank, kind=channel["kind"], defaults={**channel, "position": position}
            )


def unseed(apps, schema_editor):
    Bank = apps.get_model("activation", "Bank")
    ActivationChannel = apps.get_model("activation", "ActivationChannel")
    codes = [data["code"] for data in BANKS]
    ActivationChannel.objects.filter(bank__code__in=codes).delete()
    Bank.objects.filter(code__in=codes, keys__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("activation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
